"""Clearing the public pages whenever content they show is saved or deleted.

Every model named in settings.PAGE_CACHE_CONTENT_MODELS (and its many-to-many
fields) is watched: a new content model is one line there. Once the change
is committed, the site's own cache is cleared again and every public page is
purged from the nginx caches in front (purge.py), once per transaction
however many rows it saved.
"""

import contextlib
import functools
import threading

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.urls import NoReverseMatch

from . import purge, store

M2M_CHANGES = {"post_add", "post_remove", "post_clear"}


class _Pending(threading.local):
    """Per thread and database alias: the pages to purge once the
    transaction commits (besides every public page); no entry, nothing waits.
    A rolled-back change leaves its pages for the next commit's purge: one
    purge too many is harmless."""

    def __init__(self):
        self.paths = {}
        self.paused = False


_pending = _Pending()


@contextlib.contextmanager
def paused():
    """No clearing while content is written in a transaction that is rolled
    back (a staff preview of a pending revision): the public pages did not
    change."""
    _pending.paused = True
    try:
        yield
    finally:
        _pending.paused = False


def _page_path(instance):
    get_absolute_url = getattr(instance, "get_absolute_url", None)
    try:
        return get_absolute_url() if get_absolute_url else None
    except NoReverseMatch:  # e.g. no slug yet: no page
        return None


def _after_commit(using):
    paths = _pending.paths.pop(using, None)
    if paths is None:
        return  # an earlier callback of the same commit did it
    store.clear_public_pages()
    purge.purge_public_pages(extra_paths=paths)


def _wait_for_commit(using, path=None):
    using = using or DEFAULT_DB_ALIAS
    paths = _pending.paths.setdefault(using, set())
    if path:
        paths.add(path)
    # One callback per change, as the transaction may be rolled back; the
    # first to run after the commit takes everything pending.
    transaction.on_commit(functools.partial(_after_commit, using), using=using)


def content_changed(sender, instance=None, using=None, **kwargs):
    if _pending.paused:
        return
    # Now, and again once the transaction commits: a page rendered from the
    # old rows in between is cached under the first version and dropped by
    # the second.
    store.clear_public_pages()
    # The page's own address, if it has one: gone from the sitemap once
    # unpublished or deleted, it is purged all the same.
    _wait_for_commit(using, _page_path(instance))


def page_moving(sender, instance, using=None, raw=False, **kwargs):
    """A page whose address changes (a new slug) is purged at its old one."""
    if (
        raw
        or instance.pk is None
        or not settings.PAGE_CACHE_PURGE_URLS
        or _pending.paused
    ):
        return
    old = sender._default_manager.using(using).filter(pk=instance.pk).first()
    old_path = _page_path(old) if old is not None else None
    if old_path and old_path != _page_path(instance):
        _wait_for_commit(using, old_path)


def related_changed(sender, action, using=None, **kwargs):
    if action in M2M_CHANGES:
        content_changed(sender, using=using)


def connect_invalidation():
    for label in settings.PAGE_CACHE_CONTENT_MODELS:
        model = apps.get_model(label)
        uid = f"pagecache:{model._meta.label_lower}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}:delete")
        if hasattr(model, "get_absolute_url"):
            pre_save.connect(page_moving, sender=model, dispatch_uid=f"{uid}:move")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                related_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}:{field.name}",
            )
