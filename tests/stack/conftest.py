"""The real stack for the tests in this folder: Debian's nginx with the
repository's config before two gunicorn app hosts (production settings) on
127.0.0.2 and 127.0.0.3, spare ports only, so a developer's `make stack` can
run beside them.

- `stack` (session): on the shared PostgreSQL (database clinic_stacktest)
  and Redis (db 13).
- `own_services` + `outage_stack` (module): the same stack on a PostgreSQL
  cluster and a redis-server of the test's own, on spare ports, which the
  tests stop and start; the shared servers are never touched.

Without nginx the tests are skipped on a developer machine, with one line
saying how to install it, and fail under CI=true.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import types
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
import redis
from bs4 import BeautifulSoup

from scripts.stack import (
    APT_HINT,
    MODULES,
    NGINX,
    NGINX_MODULES,
    ROOT,
    Stack,
    free_port,
    request,
)
from tests.helpers import require

STACK_DATABASE_URL = os.environ.get(
    "STACK_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_stacktest"
)
STACK_CACHE_URL = os.environ.get("STACK_TEST_CACHE_URL", "redis://127.0.0.1:6379/13")
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/nonexistent"))


def require_nginx():
    require(
        NGINX.exists() and all((NGINX_MODULES / m).exists() for m in MODULES),
        "nginx with its modules (for tests/stack)",
        APT_HINT,
    )


def answers(check):
    try:
        check()
    except (psycopg.Error, redis.RedisError, OSError):
        return False
    return True


def require_services():
    """The shared PostgreSQL and Redis the session's stack runs on."""
    server = psycopg.conninfo.conninfo_to_dict(STACK_DATABASE_URL)
    server["dbname"] = "postgres"
    require(
        answers(lambda: psycopg.connect(**server, connect_timeout=3).close()),
        f"PostgreSQL at {server.get('host')}:{server.get('port')} (for tests/stack)",
        "start it (e.g. pg_ctlcluster 15 main start) or set STACK_TEST_DATABASE_URL",
    )
    require(
        answers(lambda: redis.Redis.from_url(STACK_CACHE_URL, socket_timeout=3).ping()),
        f"Redis at {STACK_CACHE_URL} (for tests/stack)",
        "start redis-server or set STACK_TEST_CACHE_URL",
    )


def new_stack(out, var_dir, database_url, cache_url):
    return Stack(
        out=out,
        database_url=database_url,
        cache_url=cache_url,
        https_port=free_port(),
        http_port=free_port(),
        purge_port=free_port(),
        app_hosts=(
            f"127.0.0.2:{free_port('127.0.0.2')}",
            f"127.0.0.3:{free_port('127.0.0.3')}",
        ),
        var_dir=var_dir,
        workers=2,
        extra_env={
            # nginx keeps public pages this long: the stale bound after a
            # failed purge, kept short for the tests.
            "DJANGO_PUBLIC_PAGE_MAX_AGE": "10",
            "DJANGO_LOG_LEVEL": "WARNING",
            "EMAIL_URL": "dummymail://",
        },
    )


def collected_static():
    """collectstatic's output for the current static sources, kept in
    var/stack-tests/ between runs (it takes half a minute: whitenoise
    compresses every file); made again when a source file or the lock
    changes. Returns (folder, whether it still has to be made)."""
    digest = hashlib.sha256(Path(ROOT / "requirements.txt").read_bytes())
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            info = path.stat()
            digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns}".encode())
    cache = ROOT / "var" / "stack-tests"
    folder = cache / f"static-{digest.hexdigest()[:16]}"
    if not folder.exists():
        shutil.rmtree(cache, ignore_errors=True)
    return folder, not (folder / "staticfiles.json").exists()


@pytest.fixture(scope="session")
def stack_var_dir(tmp_path_factory):
    """One var dir (secret key, collected static files) for every stack."""
    return tmp_path_factory.mktemp("stack-var")


@pytest.fixture(scope="session")
def stack(tmp_path_factory, stack_var_dir):
    require_nginx()
    require_services()
    running = new_stack(
        tmp_path_factory.mktemp("stack"),
        stack_var_dir,
        STACK_DATABASE_URL,
        STACK_CACHE_URL,
    )
    folder, _ = collected_static()
    folder.mkdir(parents=True, exist_ok=True)
    (stack_var_dir / "static").symlink_to(folder, target_is_directory=True)
    # One test session at a time collects into the shared folder.
    with (folder.parent / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        running.setup(collectstatic=collected_static()[1])
    try:
        running.start()
        yield running
    finally:
        running.stop()


# Services of the test's own ---------------------------------------------------


def as_postgres(command):
    """PostgreSQL's tools refuse to run as root: run them as `postgres`."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class OwnPostgres:
    """A throwaway cluster (initdb) on a spare port, started and stopped with
    pg_ctl."""

    def __init__(self, folder):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/clinic"
        folder.mkdir()
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run(
            as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres"]
                + ["-A", "trust", "--no-sync", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off"
        )
        subprocess.run(
            as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options]
                + ["-l", str(self.folder / "log"), "-w", "-t", "30", "start"]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self):
        subprocess.run(
            as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data)]
                + ["-m", "fast", "-w", "-t", "30", "stop"]
            ),
            check=False,
            capture_output=True,
            timeout=60,
        )

    def copy_database_from(self, url):
        """The clinic database as the shared stack's (migrated, content
        loaded): quicker than migrating from nothing."""
        subprocess.run(
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "clinic",
            ],
            check=True,
            timeout=60,
        )
        dump = subprocess.run(
            [str(PG_BIN / "pg_dump"), "--no-owner", "--dbname", url],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", self.url],
            input=dump.stdout,
            check=True,
            capture_output=True,
            timeout=120,
        )


class OwnRedis:
    """redis-server on a spare port, keeping nothing on disk."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server"]
            + ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="module")
def own_services(stack):
    """A PostgreSQL cluster and a redis-server of the test's own, running."""
    require(
        (PG_BIN / "pg_ctl").exists(),
        "PostgreSQL's server binaries",
        "sudo apt-get install postgresql",
    )
    folder = Path(tempfile.mkdtemp(prefix="clinic-own-services-"))
    folder.chmod(0o755)
    postgres = OwnPostgres(folder / "pg")
    (folder / "redis").mkdir()
    redis_server = OwnRedis(folder / "redis")
    try:
        postgres.start()
        postgres.copy_database_from(STACK_DATABASE_URL)
        redis_server.start()
        yield types.SimpleNamespace(postgres=postgres, redis=redis_server)
    finally:
        redis_server.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def outage_stack(tmp_path_factory, stack_var_dir, own_services):
    running = new_stack(
        tmp_path_factory.mktemp("outage-stack"),
        stack_var_dir,
        own_services.postgres.url,
        own_services.redis.url,
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


# Talking to a stack -------------------------------------------------------------


def get(stack, path, source="127.0.0.1", **kwargs):
    return request(
        "GET", stack.base_url + path, cert=stack.cert, source=source, **kwargs
    )


def post_enquiry(stack, message, source, headers=None):
    """Fetch the enquiry form and send it back filled in, as a browser would
    from `source` (with `headers` too); return (status, headers, body).
    `message` marks the enquiry."""
    status, page_headers, body = get(stack, "/enquire/", source=source)
    assert status == 200, status
    cookie = page_headers["set-cookie"].split(";", 1)[0]
    form = BeautifulSoup(body, "html.parser").find("form", class_="enquiry-form")
    data = {
        i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")
    }
    data.update(
        name="Stack Test",
        email="stack@example.com",
        preferred_contact="email",
        message=message,
        consent="on",
    )
    return request(
        "POST",
        stack.base_url + "/enquire/",
        body=urlencode(data),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": stack.base_url,
            "Referer": stack.base_url + "/enquire/",
            **(headers or {}),
        },
        cert=stack.cert,
        source=source,
    )


def stored(database_url, message):
    """How many enquiries hold `message`."""
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return conn.execute(
            "SELECT count(*) FROM treatments_enquiry WHERE message = %s", [message]
        ).fetchone()[0]


@pytest.fixture
def stack_client():
    """get / post_enquiry / stored, for the tests in this folder."""
    return types.SimpleNamespace(get=get, post_enquiry=post_enquiry, stored=stored)
