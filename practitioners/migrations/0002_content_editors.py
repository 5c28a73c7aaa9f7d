"""Content editors may edit practitioners and the questions and sources of
treatments, as they edit the treatments themselves."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "practitioners": {"practitioner": ["add", "change", "delete", "view"]},
    "treatments": {
        "treatmentquestion": ["add", "change", "delete", "view"],
        "treatmentsource": ["add", "change", "delete", "view"],
    },
}
GROUP = "Content editors"


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:  # the role was removed on this install: nothing to extend
        return
    for app_label, models in GRANTS.items():
        # Permissions are normally created after all migrations have run.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        codenames = [f"{a}_{m}" for m, actions in models.items() for a in actions]
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        assert permissions.count() == len(codenames), codenames
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    for app_label, models in GRANTS.items():
        codenames = [f"{a}_{m}" for m, actions in models.items() for a in actions]
        # By id: once later apps' migrations are unapplied, the historical
        # Permission model here and the one behind group.permissions can be
        # two classes, and remove() refuses the other's instances.
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            ).values_list("pk", flat=True)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("practitioners", "0001_initial"),
        ("treatments", "0008_practical_details_questions_sources"),
        ("treatments", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
