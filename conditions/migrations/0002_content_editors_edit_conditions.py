"""Content editors may add, change, delete and view conditions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_condition", "change_condition", "delete_condition", "view_condition"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations have run.
    app_config = apps.get_app_config("conditions")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Content editors")
    permissions = Permission.objects.filter(
        content_type__app_label="conditions", codename__in=CODENAMES
    )
    assert permissions.count() == len(CODENAMES)
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    # The through rows directly: no m2m_changed signal, whose receivers
    # expect the current models, not these historical ones.
    Group = apps.get_model("auth", "Group")
    Group.permissions.through.objects.filter(
        group__name="Content editors",
        permission__content_type__app_label="conditions",
        permission__codename__in=CODENAMES,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0001_initial"),
        ("treatments", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
