"""Test settings: the real settings, changed only for speed and determinism.

Like bakerydemo's test settings: a fast password hasher and plain static
storage so templates render without `collectstatic`. The database and cache
still come from DATABASE_URL / CACHE_URL, so CI runs the same suite on
SQLite + local memory and on PostgreSQL + Redis.
"""

import os

from .settings import *  # noqa: F403
from .settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The embedded default cache is a file cache shared by gunicorn workers; one
# pytest process needs no sharing, so local memory is the faster equivalent.
# CACHE_URL (Redis on CI) still wins.
if not os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "clinic-tests",
            "KEY_PREFIX": "clinic",
        }
    }
