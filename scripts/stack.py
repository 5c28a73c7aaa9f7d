"""The production topology on this machine, in the foreground: nginx (TLS,
HTTP/2, the config in deploy/nginx/) before two gunicorn app hosts on
127.0.0.2 and 127.0.0.3 (loopback addresses standing in for two machines),
plus the notification sender. Ctrl+C or SIGTERM stops all of it.

    python -m scripts.stack                 # make stack (after `make setup`)
    python -m scripts.stack prepare         # nginx and the database, if missing
    python -m scripts.stack render --out DIR --server-name clinic.example ...

`render` writes deploy/nginx/*.conf with the {{...}} values filled in, for a
server of the clinic's own (docs/deployment.md). The body limits, the admin
path and HSTS come from the Django settings, so nginx and the application
never disagree. The tests (tests/stack/) and bench/stack_bench.py start the
same `Stack` on spare ports.
"""

import argparse
import asyncio
import contextlib
import ctypes
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX = Path("/usr/sbin/nginx")
NGINX_MODULES = Path("/usr/lib/nginx/modules")
# Debian's packages: nginx and the two modules clinic.conf uses.
APT_PACKAGES = [
    "nginx",
    "libnginx-mod-http-brotli-static",
    "libnginx-mod-http-cache-purge",
]
MODULES = ["ngx_http_brotli_static_module.so", "ngx_http_cache_purge_module.so"]
APT_HINT = "sudo apt-get install " + " ".join(APT_PACKAGES)
# Full paths: Debian's tools.
OPENSSL = "/usr/bin/openssl"
APT_GET = "/usr/bin/apt-get"
GIT = shutil.which("git") or "/usr/bin/git"

MAIN_CONF = """\
# Rendered by scripts/stack.py: the stack's own nginx, run as the user who
# started it, with every path under {out}. Not the system's nginx.
daemon off;
master_process on;
worker_processes 2;
{user}pid {out}/nginx.pid;
error_log stderr warn;
worker_rlimit_nofile 8192;
{modules}
events {{
    worker_connections 4096;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    client_body_temp_path {out}/tmp/body;
    proxy_temp_path {out}/tmp/proxy;
    fastcgi_temp_path {out}/tmp/fastcgi;
    uwsgi_temp_path {out}/tmp/uwsgi;
    scgi_temp_path {out}/tmp/scgi;
    access_log off;
    include {out}/nginx/clinic.conf;
}}
"""


def free_port(host="127.0.0.1"):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """Children get SIGTERM if this process dies, even by SIGKILL: no orphans."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# Settings ----------------------------------------------------------------------

SETTINGS_CODE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "public_body_max": s.DATA_UPLOAD_MAX_MEMORY_SIZE,
    "admin_body_max": s.STAFF_REQUEST_MAX_BYTES,
    "admin_url": "/" + s.ADMIN_URL,
    "static_root": str(s.STATIC_ROOT),
    "hsts": "; ".join(
        [f"max-age={s.SECURE_HSTS_SECONDS}"]
        + (["includeSubDomains"] if s.SECURE_HSTS_INCLUDE_SUBDOMAINS else [])
        + (["preload"] if s.SECURE_HSTS_PRELOAD else [])
    ),
}))
"""


def django_values(env):
    """The values nginx must share with the application, read from its settings
    under `env` (production settings: HSTS as the app sends it)."""
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_CODE],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "clinic_site.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(
            f"could not read the settings:\n{result.stdout}{result.stderr}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def render_nginx(out, values):
    """Write deploy/nginx/*.conf into out/nginx/ with {{NAME}} filled in;
    a name left unfilled is an error."""
    (out / "nginx").mkdir(parents=True, exist_ok=True)
    for source in sorted((DEPLOY / "nginx").glob("*.conf")):
        text = source.read_text()
        for name, value in values.items():
            text = text.replace("{{" + name + "}}", str(value))
        if "{{" in text:
            left = text[text.index("{{") : text.index("}}", text.index("{{")) + 2]
            raise SystemExit(f"{source.name}: no value for {left}")
        (out / "nginx" / source.name).write_text(text)


def make_certificate(out):
    """A self-signed certificate for 127.0.0.1 and localhost (openssl CLI),
    made again when missing or within a day of expiring."""
    cert, key = out / "tls" / "cert.pem", out / "tls" / "key.pem"
    if cert.exists() and key.exists():
        fresh = subprocess.run(
            [OPENSSL, "x509", "-checkend", "86400", "-noout", "-in", str(cert)],
            capture_output=True,
        )
        if fresh.returncode == 0:
            return cert, key
    cert.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=clinic stack (self-signed)",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.chmod(0o600)
    return cert, key


def ensure_database(url):
    """Create the PostgreSQL database named in `url` if it is missing."""
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    with psycopg.connect(**info, dbname="postgres", autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def ensure_nginx():
    """nginx and its modules from Debian's packages: installed with apt when
    missing and we may (root), else one line saying how."""
    missing = not NGINX.exists() or any(
        not (NGINX_MODULES / module).exists() for module in MODULES
    )
    if not missing:
        return
    if os.geteuid() == 0 and Path(APT_GET).exists():
        print("installing nginx with apt: " + " ".join(APT_PACKAGES))
        subprocess.run([APT_GET, "update", "-qq"], check=True)
        subprocess.run(
            [
                APT_GET,
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                *APT_PACKAGES,
            ],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return
    raise SystemExit(f"nginx (with its modules) is missing: {APT_HINT}")


# Processes ---------------------------------------------------------------------


class Process:
    """One child: its output goes to a log file (and, if asked, the terminal
    with a name in front), one line at a time."""

    def __init__(self, name, command, env, log_dir, echo):
        self.name, self.command, self.env = name, command, env
        self.log_path = log_dir / f"{name}.log"
        self.echo = echo
        self.popen = None

    def start(self):
        self.popen = subprocess.Popen(  # noqa: S603 (our own commands)
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl+C reaches the stack, which stops us
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        threading.Thread(target=self._copy, args=(self.popen,), daemon=True).start()

    def _copy(self, popen):
        with open(self.log_path, "ab") as log:
            for line in popen.stdout:
                log.write(line)
                log.flush()
                if self.echo:
                    sys.stdout.write(f"{self.name:8} | {line.decode(errors='replace')}")
                    sys.stdout.flush()

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum):
        if self.running():
            self.popen.send_signal(signum)

    def stop(self, seconds=15):
        """SIGTERM (nginx: fast shutdown; gunicorn: graceful), SIGKILL after
        `seconds`; then its whole session, so no worker is left behind."""
        self.signal(signal.SIGTERM)
        self.wait(seconds)

    def wait(self, seconds):
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)


@dataclass
class Stack:
    """nginx + two gunicorn app hosts + the notification sender.

    `out` holds everything the stack makes: rendered config, certificate,
    logs, nginx's cache and temp files (var/stack/ for `make stack`).
    """

    out: Path
    database_url: str
    cache_url: str
    https_port: int = 8443
    http_port: int = 8080
    purge_port: int = 8081
    app_hosts: tuple = ("127.0.0.2:8001", "127.0.0.3:8001")
    var_dir: Path = ROOT / "var"
    workers: int | None = None
    extra_env: dict = field(default_factory=dict)
    echo: bool = False
    notifications: bool = True

    def __post_init__(self):
        self.out = Path(self.out)
        self.hosts = []
        self.nginx = None
        self.sender = None

    # Addresses ---------------------------------------------------------------
    @property
    def base_url(self):
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def purge_url(self):
        return f"http://127.0.0.1:{self.purge_port}"

    @property
    def app_urls(self):
        return [f"http://{host}" for host in self.app_hosts]

    @property
    def cert(self):
        return self.out / "tls" / "cert.pem"

    # Environment -------------------------------------------------------------
    def base_env(self):
        """This process's environment without the site's variables."""
        return {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "GUNICORN_"))
            and key not in {"DATABASE_URL", "CACHE_URL", "EMAIL_URL"}
        }

    def setup_env(self):
        """For `make setup`-like steps: local settings on the stack's services."""
        return {
            **self.base_env(),
            "DJANGO_VAR_DIR": str(self.var_dir),
            "DATABASE_URL": self.database_url,
            "CACHE_URL": self.cache_url,
        }

    @property
    def app_env(self):
        """The app hosts' environment: production settings behind one proxy."""
        env = {
            **self.setup_env(),
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": self.secret_key(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SITE_URL": self.base_url,
            "DJANGO_TRUSTED_PROXY_COUNT": "1",
            "DJANGO_BUILD_ID": build_id(),
            "DJANGO_PAGE_CACHE_PURGE_URLS": self.purge_url,
            "EMAIL_URL": os.environ.get("EMAIL_URL", "consolemail://"),
        }
        if self.workers:
            env["GUNICORN_WORKERS"] = str(self.workers)
        env.update(self.extra_env)
        return env

    def secret_key(self):
        """The app hosts' key, made once into `out`. URL-safe characters: a
        value starting with `$` would be read by django-environ as the name
        of another variable."""
        path = self.out / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(50))
        return path.read_text().strip()

    def manage(self, *args, check=True, timeout=300, **kwargs):
        """manage.py with the app hosts' environment."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.app_env,
            check=check,
            timeout=timeout,
            **kwargs,
        )

    # Setting up --------------------------------------------------------------
    def setup(self, collectstatic=True):
        """What `make setup` does, on the stack's database, cache and var dir
        (the tests' stacks; `make stack` runs `make setup` itself)."""
        if self.database_url.startswith("postgres"):
            ensure_database(self.database_url)
        env = self.setup_env()
        for args in (
            ["migrate", "--noinput", "-v0"],
            ["load_initial_content"],
            ["collectstatic", "--noinput", "-v0"] if collectstatic else None,
            ["clear_public_pages"],
        ):
            if args is None:
                continue
            subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=300,
                stdout=subprocess.DEVNULL,
            )

    def render(self):
        cert, key = make_certificate(self.out)
        values = django_values(self.app_env)
        render_nginx(
            self.out,
            {
                "APP_HOST_1": self.app_hosts[0],
                "APP_HOST_2": self.app_hosts[1],
                "SERVER_NAME": "127.0.0.1 localhost",
                "HTTPS_LISTEN": f"127.0.0.1:{self.https_port}",
                "HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
                "HTTPS_PORT_SUFFIX": f":{self.https_port}",
                "STACK_HTTPS_PORT": self.https_port,
                "STACK_HTTP_PORT": self.http_port,
                "STACK_PURGE_PORT": self.purge_port,
                "STACK_VAR_DIR": self.out,
                "DEPLOY_DIR": self.out,
                "LOG_DIR": self.out / "logs",
                "TLS_CERTIFICATE": cert,
                "TLS_CERTIFICATE_KEY": key,
                "STATIC_ROOT": values["static_root"],
                "PUBLIC_BODY_MAX": values["public_body_max"],
                "ADMIN_BODY_MAX": values["admin_body_max"],
                "ADMIN_URL": values["admin_url"],
                "HSTS": values["hsts"],
            },
        )
        for folder in ("logs", "tmp", "nginx-cache"):
            (self.out / folder).mkdir(parents=True, exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        modules = "".join(
            f"load_module {NGINX_MODULES / module};\n" for module in MODULES
        )
        (self.out / "nginx.conf").write_text(
            MAIN_CONF.format(out=self.out, user=user, modules=modules)
        )

    # Running -----------------------------------------------------------------
    def _process(self, name, command, env):
        return Process(name, command, env, self.out / "logs", self.echo)

    def _host(self, index):
        env = {**self.app_env, "GUNICORN_BIND": self.app_hosts[index]}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "-c", "clinic_site/gunicorn.conf.py", "clinic_site.wsgi"]
        return self._process(f"app{index + 1}", command, env)

    def start(self, timeout=60):
        """Render, then start everything; return once nginx and both hosts answer."""
        self.render()
        nginx = [str(NGINX), "-p", str(self.out), "-c", str(self.out / "nginx.conf")]
        test = subprocess.run(
            [*nginx, "-t", "-q"], capture_output=True, text=True, timeout=30
        )
        if test.returncode:
            raise RuntimeError(f"nginx -t failed:\n{test.stderr}")
        self.hosts = [self._host(i) for i in range(len(self.app_hosts))]
        for host in self.hosts:
            host.start()
        self.nginx = self._process("nginx", nginx, self.base_env())
        self.nginx.start()
        if self.notifications:
            self.sender = self._process(
                "notify",
                [sys.executable, "manage.py", "send_pending_notifications", "--loop"],
                self.app_env,
            )
            self.sender.start()
        deadline = time.monotonic() + timeout
        for index in range(len(self.hosts)):
            self.wait_for_host(index, deadline)
        self.wait_for(lambda: get_status(self.base_url + "/healthz/") == 200, deadline)

    def wait_for(self, ready, deadline, what="the stack"):
        while time.monotonic() < deadline:
            dead = [p.name for p in self.processes() if not p.running()]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited: see {self.out}/logs/")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if ready():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{what} did not answer in time: see {self.out}/logs/")

    def wait_for_host(self, index, deadline=None):
        deadline = deadline or time.monotonic() + 60
        url = self.app_urls[index] + "/healthz/"
        self.wait_for(
            lambda: get_status(url) == 200, deadline, what=self.hosts[index].name
        )

    def processes(self):
        return [p for p in [*self.hosts, self.nginx, self.sender] if p is not None]

    def kill_host(self, index, signum=signal.SIGKILL):
        """Signal one app host's gunicorn master (its workers notice and exit)."""
        self.hosts[index].signal(signum)
        self.hosts[index].popen.wait(timeout=30)

    def start_host(self, index):
        """Start one app host again (after kill_host) and wait until it answers."""
        self.hosts[index].stop(seconds=5)
        self.hosts[index] = self._host(index)
        self.hosts[index].start()
        self.wait_for_host(index)

    def stop(self, seconds=15):
        """nginx first (no new requests), then the app hosts and the sender,
        all at once."""
        if self.nginx is not None:
            self.nginx.stop(seconds)
        others = [p for p in [self.sender, *self.hosts] if p is not None]
        for process in others:
            process.signal(signal.SIGTERM)
        for process in others:
            process.wait(seconds)


def build_id():
    """The checkout's commit, as a deploy would set DJANGO_BUILD_ID."""
    result = subprocess.run(
        [GIT, "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "stack"


# A client for the tests and the bench ------------------------------------------


def tls_context(cert):
    """Trusts the stack's own certificate only, checking the address in it;
    without one, trusts anything (readiness checks)."""
    if cert is None:
        return ssl._create_unverified_context()  # noqa: S323 (our own stack)
    return ssl.create_default_context(cafile=str(cert))


def request(
    method,
    url,
    *,
    body=None,
    headers=None,
    cert=None,
    source="127.0.0.1",
    timeout=10,
):
    """One request on a new connection from the loopback address `source`.

    Returns (status, headers as a dict with lower-case names, body bytes).
    """
    scheme, _, rest = url.partition("://")
    authority, _, path = rest.partition("/")
    host, _, port = authority.rpartition(":")
    kwargs = {"timeout": timeout, "source_address": (source, 0)}
    if scheme == "https":
        conn = http.client.HTTPSConnection(
            host, int(port), context=tls_context(cert), **kwargs
        )
    else:
        conn = http.client.HTTPConnection(host, int(port), **kwargs)
    try:
        conn.request(method, "/" + path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            data,
        )
    finally:
        conn.close()


def get_status(url, host="127.0.0.1"):
    """A GET's status, with the site's Host (an app host is asked by address)."""
    return request("GET", url, headers={"Host": host}, timeout=2)[0]


# Slow clients, for the tests and the bench --------------------------------------


def slow_address(index):
    """Each slow client its own loopback address, as from many machines
    (from one address they would meet nginx's limit_conn instead)."""
    return f"127.0.{10 + index // 250}.{1 + index % 250}"


async def trickle(port, context, source, first, then, deadline, seen):
    """Send `first`, then `then` every 2 s until the deadline, reconnecting
    when the server drops the connection (nginx: client_header_timeout)."""
    while time.monotonic() < deadline:
        writer = None
        try:
            _, writer = await asyncio.open_connection(
                "127.0.0.1",
                port,
                ssl=context,
                server_hostname="127.0.0.1" if context else None,
                local_addr=(source, 0),
            )
            writer.write(first)
            await writer.drain()
            seen["connected"] += 1
            while time.monotonic() < deadline:
                await asyncio.sleep(2)
                writer.write(then)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            seen["dropped"] += 1
            await asyncio.sleep(0.5)
        finally:
            if writer is not None:
                writer.close()


SLOW_HEADERS = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-Slow: 1\r\n")
SLOW_BODY = (
    b"POST /enquire/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 100000\r\n\r\nname=",
    b"x",
)


def hold_slow_clients(port, context, seconds, headers=0, bodies=0):
    """Start `headers` clients trickling request headers and `bodies`
    trickling a POST body, for `seconds`, in a thread; return (thread, seen)."""
    seen = {"connected": 0, "dropped": 0}

    async def hold():
        deadline = time.monotonic() + seconds
        kinds = [SLOW_HEADERS] * headers + [SLOW_BODY] * bodies
        tasks = [
            trickle(port, context, slow_address(i), *kind, deadline, seen)
            for i, kind in enumerate(kinds)
        ]
        await asyncio.wait_for(asyncio.gather(*tasks), seconds + 30)

    thread = threading.Thread(target=asyncio.run, args=(hold(),))
    thread.start()
    return thread, seen


# Command line ------------------------------------------------------------------


def run_prepare(args):
    ensure_nginx()
    if os.environ["DATABASE_URL"].startswith("postgres"):
        ensure_database(os.environ["DATABASE_URL"])
    return 0


def run_foreground(args):
    ensure_nginx()
    stack = Stack(
        out=ROOT / "var" / "stack",
        database_url=os.environ["DATABASE_URL"],
        cache_url=os.environ["CACHE_URL"],
        https_port=int(os.environ.get("STACK_HTTPS_PORT", 8443)),
        http_port=int(os.environ.get("STACK_HTTP_PORT", 8080)),
        purge_port=int(os.environ.get("STACK_PURGE_PORT", 8081)),
        workers=int(os.environ["GUNICORN_WORKERS"])
        if os.environ.get("GUNICORN_WORKERS")
        else None,
        echo=True,
    )
    stopping = threading.Event()

    def on_signal(signum, frame):
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
        print(
            f"\nServing {stack.base_url}/ through nginx (HTTP/2, self-signed "
            f"certificate {stack.cert}), {stack.http_url}/ redirects there;\n"
            f"app hosts {', '.join(stack.app_urls)}; logs in {stack.out}/logs/. "
            "Ctrl+C stops it all.\n",
            flush=True,
        )
        while not stopping.is_set():
            dead = [p.name for p in stack.processes() if not p.running()]
            if dead:
                print(f"{', '.join(dead)} exited; stopping the stack", flush=True)
                return 1
            stopping.wait(1)
        return 0
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        print("stopping nginx, the app hosts and the sender ...", flush=True)
        stack.stop()


def run_render(args):
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "render-only"),
        "DJANGO_ALLOWED_HOSTS": args.server_name,
    }
    values = django_values(env)
    out = Path(args.out)
    render_nginx(
        out,
        {
            "APP_HOST_1": args.app_hosts[0],
            "APP_HOST_2": args.app_hosts[1],
            "SERVER_NAME": args.server_name,
            "HTTPS_LISTEN": "443",
            "HTTP_LISTEN": "80",
            "HTTPS_PORT_SUFFIX": "",
            "STACK_PURGE_PORT": args.purge_port,
            "STACK_VAR_DIR": args.cache_dir,
            "DEPLOY_DIR": out,
            "LOG_DIR": "/var/log/nginx",
            "TLS_CERTIFICATE": args.certificate,
            "TLS_CERTIFICATE_KEY": args.certificate_key,
            "STATIC_ROOT": args.static_root or values["static_root"],
            "PUBLIC_BODY_MAX": values["public_body_max"],
            "ADMIN_BODY_MAX": values["admin_body_max"],
            "ADMIN_URL": values["admin_url"],
            "HSTS": values["hsts"],
        },
    )
    print(f"wrote {out}/nginx/: include {out}/nginx/clinic.conf inside http {{}}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("prepare", help="install nginx, create the database if missing")
    render = sub.add_parser("render", help="write the nginx config for a server")
    render.add_argument("--out", required=True, help="folder for nginx/*.conf")
    render.add_argument("--server-name", required=True, help="e.g. clinic.example")
    render.add_argument("--certificate", required=True)
    render.add_argument("--certificate-key", required=True)
    render.add_argument(
        "--app-hosts", nargs=2, default=["127.0.0.1:8001", "127.0.0.1:8002"]
    )
    render.add_argument("--purge-port", type=int, default=8081)
    render.add_argument(
        "--cache-dir", default="/var/cache/nginx", help="nginx-cache/ goes in it"
    )
    render.add_argument("--static-root", help="default: the settings' STATIC_ROOT")
    args = parser.parse_args(argv)
    if args.command == "render":
        return run_render(args)
    if args.command == "prepare":
        return run_prepare(args)
    return run_foreground(args)


if __name__ == "__main__":
    sys.exit(main())
