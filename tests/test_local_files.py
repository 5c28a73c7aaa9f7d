"""The local secret key and the SQLite files are readable by the site's user
only, in a var/ folder only that user may open. Each test runs the real
settings in a fresh process, with a umask that leaves new files readable by
everyone (022), on a var/ folder of its own."""

import json
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings

from tests.helpers import CHECK, settings_env

# Migrates a fresh SQLite database, then, with the connection still open
# (the -wal and -shm files exist only while it is), prints each file's mode.
MIGRATE_AND_LIST = """
import json, os
from pathlib import Path
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
connection.ensure_connection()
var = Path(os.environ["DJANGO_VAR_DIR"])
modes = {p.name: p.stat().st_mode for p in var.iterdir() if p.is_file()}
modes["var/"] = var.stat().st_mode
print(json.dumps({name: oct(mode & 0o777) for name, mode in modes.items()}))
"""


def run_site(var_dir, code):
    env = settings_env(var_dir)
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", CHECK + code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        umask=0o022,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def fresh_modes(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("site") / "var"
    modes = run_site(var_dir, MIGRATE_AND_LIST)
    return modes


def test_a_fresh_var_folder_is_the_owners_only(fresh_modes):
    assert fresh_modes["var/"] == "0o700"


def test_the_secret_key_is_created_0600(fresh_modes):
    assert fresh_modes["secret_key"] == "0o600"


def test_the_sqlite_database_and_its_wal_and_shm_are_0600(fresh_modes):
    files = {n: m for n, m in fresh_modes.items() if n.startswith("db.sqlite3")}
    assert files == {
        "db.sqlite3": "0o600",
        "db.sqlite3-shm": "0o600",
        "db.sqlite3-wal": "0o600",
    }


def test_files_an_older_version_left_readable_are_made_owner_only(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    key = var_dir / "secret_key"
    key.write_text("an-old-local-key-" + "x" * 40)
    key.chmod(0o644)
    sqlite3.connect(var_dir / "db.sqlite3").close()
    (var_dir / "db.sqlite3").chmod(0o644)

    modes = run_site(var_dir, MIGRATE_AND_LIST)

    assert modes["secret_key"] == "0o600"
    assert modes["db.sqlite3"] == "0o600"
    assert key.read_text() == "an-old-local-key-" + "x" * 40
