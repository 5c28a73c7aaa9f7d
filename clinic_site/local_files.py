"""The site's private files (the local secret key, the SQLite database and its
-wal and -shm files) are readable and writable by the site's own user only.

`owner_only()` takes group and other permissions off a file; settings use it
for the secret key, and `connect_signals()` makes every new SQLite connection
use it on the database's files. SQLite creates -wal and -shm files with the
database file's permissions, so once that is 0600 they are too.

Plain Python at import: the settings import this module.
"""

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

OWNER_ONLY = 0o600
_warned = set()


def owner_only(path: Path) -> None:
    """Make `path` 0600 if group or others may use it; a missing file is left
    alone, and one that is not ours is logged once (chmod is refused)."""
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(OWNER_ONLY)
    except FileNotFoundError:
        pass
    except PermissionError:
        if path not in _warned:
            _warned.add(path)
            logger.warning("Cannot make %s readable by its owner only", path)


def sqlite_files_owner_only(sender, connection, **kwargs):
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    name = str(connection.settings_dict["NAME"])
    for suffix in ("", "-wal", "-shm"):
        owner_only(Path(name + suffix))


def connect_signals():
    from django.db.backends.signals import connection_created

    connection_created.connect(
        sqlite_files_owner_only, dispatch_uid="local_files.sqlite_owner_only"
    )
