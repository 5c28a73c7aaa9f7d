"""Used by the migrations that moved models out of the treatments app; those
migrations import it, so keep it here and keep its behaviour.

A moved model keeps its content type row, renamed to the new app, so every
permission, group membership, admin log entry and history version pointing at
it follows. History versions also name the model inside their serialized
data, which django-reversion reads back when restoring: that name is
rewritten too.
"""

import json


class ContentTypeInTheWay(RuntimeError):
    """The new app already has a content type that something refers to."""


def _clear_the_way(apps, model, old_app, new_app):
    """Delete a content type the new app got before its migration ran (say,
    from `migrate clinic zero` and a later admin visit), if nothing but
    unassigned automatic permissions refers to it; otherwise stop, saying
    which row is in the way."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    Version = apps.get_model("reversion", "Version")
    early = ContentType.objects.filter(app_label=new_app, model=model).first()
    if early is None:
        return
    permissions = Permission.objects.filter(content_type=early)
    in_use = (
        permissions.filter(group__isnull=False).exists()
        or permissions.filter(user__isnull=False).exists()
        or LogEntry.objects.filter(content_type=early).exists()
        or Version.objects.filter(content_type=early).exists()
    )
    if in_use:
        raise ContentTypeInTheWay(
            f"Content type {new_app}.{model} (id {early.pk}) already exists and "
            f"is in use, so {old_app}.{model} cannot be moved onto it. Point what "
            f"refers to it at the {old_app} one, delete it, and migrate again."
        )
    permissions.delete()
    early.delete()


def _move(apps, models, old_app, new_app):
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    moved = ContentType.objects.filter(app_label=old_app, model__in=models)
    for model in moved.values_list("model", flat=True):
        _clear_the_way(apps, model, old_app, new_app)
    ids = list(moved.values_list("pk", flat=True))
    moved.update(app_label=new_app)
    for version in Version.objects.filter(content_type_id__in=ids, format="json"):
        objects = json.loads(version.serialized_data)
        for obj in objects:
            app, _, model = obj["model"].partition(".")
            if app == old_app and model in models:
                obj["model"] = f"{new_app}.{model}"
        version.serialized_data = json.dumps(objects)
        version.save(update_fields=["serialized_data"])
    # This process may have cached the old rows by id.
    CurrentContentType.objects.clear_cache()


def content_types_mover(models, *, old_app, new_app):
    """(forwards, backwards) functions for migrations.RunPython."""

    def forwards(apps, schema_editor):
        _move(apps, models, old_app, new_app)

    def backwards(apps, schema_editor):
        _move(apps, models, new_app, old_app)

    return forwards, backwards
