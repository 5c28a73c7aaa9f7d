"""gunicorn on a free 127.0.0.1 port over a throwaway SQLite database.

Used by `make audit` (production settings) and `make screenshots` (local
settings, DEBUG off). The shipped content is loaded and static files are
collected, as `make run` does.
"""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scripts.browser import ROOT


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(var_dir, port, *, production):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN"))
        and k not in {"DATABASE_URL", "CACHE_URL"}
    }
    env.update(
        DJANGO_ENV="production" if production else "local",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_DEBUG="false",
        DJANGO_VAR_DIR=str(var_dir),
        DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
        DJANGO_LOG_LEVEL="WARNING",
        EMAIL_URL="dummymail://",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
    )
    if production:
        # The one override of production settings: the audit talks plain
        # HTTP to 127.0.0.1, so no redirect to HTTPS may apply here.
        # Production itself keeps its default (redirect on; settings.py).
        env["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_until_up(url, server):
    for _ in range(60):  # at most ~30 s
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url, timeout=2) as response,  # noqa: S310
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    sys.exit(f"gunicorn did not answer {url} within 30 s")


@contextlib.contextmanager
def running_site(*, production, setup=(), extra_env=None):
    """Yield (base URL, env, tmp dir) of a freshly set up site under gunicorn.

    `setup`: extra manage.py commands (argument lists) run before it starts.
    """
    with tempfile.TemporaryDirectory(prefix="clinic-site-") as tmp:
        tmp = Path(tmp)
        (tmp / "var").mkdir()
        port = free_port()
        env = server_env(tmp / "var", port, production=production)
        env.update(extra_env or {})
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(
            env, "loaddata", "treatments", "clinic", "practitioners", "--verbosity", "0"
        )
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        for args in setup:
            manage(env, *args)
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "clinic_site/gunicorn.conf.py",
                "--access-logfile",
                str(tmp / "access.log"),
                "clinic_site.wsgi",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + "/", server)
            yield base, env, tmp
        finally:
            stop(server)


def stop(server, seconds=20):
    """Stop a gunicorn we started: TERM, then KILL after `seconds`."""
    server.terminate()
    try:
        server.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
