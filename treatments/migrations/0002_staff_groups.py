"""Create the two staff roles: "Content editors" and "Enquiry handlers"."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Content editors": {
        "treatment": ["add", "change", "delete", "view"],
        "treatmentpoint": ["add", "change", "delete", "view"],
        "clinicdetails": ["change", "view"],
    },
    "Enquiry handlers": {
        "enquiry": ["change", "view"],
    },
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; make
    # sure this app's exist now so the groups can be given them.
    app_config = apps.get_app_config("treatments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, models in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = [
            f"{action}_{model}" for model, actions in models.items() for action in actions
        ]
        permissions = Permission.objects.filter(
            content_type__app_label="treatments", codename__in=codenames
        )
        assert permissions.count() == len(codenames), codenames
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
