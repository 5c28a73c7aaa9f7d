"""Where cached pages live: their keys, the content version, clearing them."""

import functools
import hashlib
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed

logger = logging.getLogger(__name__)

VERSION_KEY = "public-pages:version"

# After a cache error this process leaves the page cache alone for a few
# seconds: a Redis that times out (instead of refusing at once) then slows one
# request per worker every few seconds, not every request.
RETRY_AFTER_SECONDS = 5
_skip_cache_until = 0.0


def cache_failed(what, exc):
    global _skip_cache_until
    _skip_cache_until = time.monotonic() + RETRY_AFTER_SECONDS
    logger.warning("%s: %s", what, type(exc).__name__)


def cache_usable():
    """False for a few seconds after a cache error."""
    return time.monotonic() >= _skip_cache_until


def reset_cache_errors():
    """Use the page cache again at once (tests; after Redis is back)."""
    global _skip_cache_until
    _skip_cache_until = 0.0


def new_version():
    """A fresh content version: random, plus when it was made (the pages'
    Last-Modified: when their content last changed, not when they rendered)."""
    return f"{uuid.uuid4().hex}:{int(time.time())}"


def version_time(version):
    return int(version.rsplit(":", 1)[1])


# Settings whose headers are stored with each page (the middleware below the
# page cache adds them).
HEADER_SETTINGS = (
    "CONTENT_SECURITY_POLICY",
    "PERMISSIONS_POLICY",
    "X_FRAME_OPTIONS",
    "PUBLIC_PAGE_MAX_AGE",
)


@functools.cache
def build_key():
    """What a cached page depends on besides content: the deploy's BUILD_ID
    (templates, code) and the header settings. A deploy or a header change
    never serves pages made by the old ones, and hosts of a rolling restart
    each keep to their own build's pages."""
    headers = repr([getattr(settings, name, None) for name in HEADER_SETTINGS])
    digest = hashlib.sha256(headers.encode()).hexdigest()[:12]
    return f"{settings.BUILD_ID}:{digest}"


def _setting_changed(setting, **kwargs):
    if setting == "BUILD_ID" or setting in HEADER_SETTINGS:
        build_key.cache_clear()


def connect_signals():
    """Settings changed at run time (tests) give a new build key."""
    setting_changed.connect(_setting_changed, dispatch_uid="pagecache:build_key")


# The shape of a stored entry: (version, {encoding: body}, headers). Part of
# every key, so a cache filled by code that stored another shape (a local
# file cache across an upgrade) is never read as this one.
ENTRY_FORMAT = 2


def page_key(path):
    page = hashlib.sha256(path.encode()).hexdigest()
    return f"public-page:{ENTRY_FORMAT}:{build_key()}:{page}"


def lookup(path):
    """(cache key, current version, cached entry or None): one round trip.

    An entry is stored with the version it was rendered under and used only
    while that is still the current version, so a page rendered from old
    content is never served once the version has moved on.
    """
    key = page_key(path)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = new_version()
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    entry = found.get(key)
    if entry is not None and entry[0] != version:
        entry = None
    return key, version, entry


def save_page(key, entry):
    try:
        cache.set(key, entry, settings.PUBLIC_PAGE_CACHE_SECONDS)
    except Exception as exc:
        cache_failed("Page not cached", exc)


def clear_public_pages():
    """Make every cached public page stale, on every worker and host."""
    try:
        cache.set(VERSION_KEY, new_version(), timeout=None)
    except Exception as exc:
        # Cached pages then live at most PUBLIC_PAGE_CACHE_SECONDS.
        logger.error("Public page cache not cleared: %s", type(exc).__name__)
