"""The "Clinical reviewers" role; content editors may read page revisions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWERS = "Clinical reviewers"
EDITORS = "Content editors"

# (app label, codename)
REVIEWER_PERMISSIONS = [
    ("clinical_review", "approve_revision"),
    ("clinical_review", "view_revision"),
    ("treatments", "view_treatment"),
    ("treatments", "view_treatmentpoint"),
    ("treatments", "view_treatmentquestion"),
    ("treatments", "view_treatmentsource"),
    # Conditions: to record a review of one (conditions' list action).
    ("conditions", "view_condition"),
]
EDITOR_PERMISSIONS = [("clinical_review", "view_revision")]


def _permissions(apps, wanted):
    Permission = apps.get_model("auth", "Permission")
    # Ids, not instances: the historical Permission class and the one behind
    # group.permissions can differ while migrations are unapplied.
    return [
        Permission.objects.get(content_type__app_label=app, codename=codename).pk
        for app, codename in wanted
    ]


def create_role(apps, schema_editor):
    for label in ("clinical_review", "treatments", "conditions"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    reviewers, _ = Group.objects.get_or_create(name=REVIEWERS)
    reviewers.permissions.add(*_permissions(apps, REVIEWER_PERMISSIONS))
    editors = Group.objects.filter(name=EDITORS).first()
    if editors is not None:
        editors.permissions.add(*_permissions(apps, EDITOR_PERMISSIONS))


def remove_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=REVIEWERS).delete()
    editors = Group.objects.filter(name=EDITORS).first()
    if editors is not None:
        editors.permissions.remove(*_permissions(apps, EDITOR_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("clinical_review", "0001_initial"),
        ("treatments", "0009_clinical_review_fields"),
        ("conditions", "0002_content_editors_edit_conditions"),
    ]

    operations = [migrations.RunPython(create_role, remove_role)]
