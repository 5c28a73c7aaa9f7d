"""Clearing the public pages whenever content they show is saved or deleted.

Every model named in settings.PAGE_CACHE_CONTENT_MODELS (and its many-to-many
fields) is watched: a new content model is one line there.
"""

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .store import clear_public_pages

M2M_CHANGES = {"post_add", "post_remove", "post_clear"}


def content_changed(sender, using=None, **kwargs):
    # Now, and again once the transaction commits: a page rendered from the
    # old rows in between is cached under the first version and dropped by
    # the second.
    clear_public_pages()
    transaction.on_commit(clear_public_pages, using=using)


def related_changed(sender, action, using=None, **kwargs):
    if action in M2M_CHANGES:
        content_changed(sender, using=using)


def connect_invalidation():
    for label in settings.PAGE_CACHE_CONTENT_MODELS:
        model = apps.get_model(label)
        uid = f"pagecache:{model._meta.label_lower}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}:delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                related_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}:{field.name}",
            )
