"""Used by the migrations that moved models out of the treatments app.

A moved model keeps its content type row, renamed to the new app, so every
permission, group membership, admin log entry and history version pointing at
it follows. History versions also name the model inside their serialized
data, which django-reversion reads back when restoring: that name is
rewritten too.
"""

import json


def _move(apps, models, old_app, new_app):
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    moved = ContentType.objects.filter(app_label=old_app, model__in=models)
    ids = list(moved.values_list("pk", flat=True))
    # Fails (and the migration rolls back) if the new app somehow has its own
    # content types already: nothing is merged or lost silently.
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
