"""Load-test gunicorn with production settings: the treatment page and home
against a static file of the same size (the practical ceiling), 15 s each,
alternating, twice. Prints requests/s, latency p50/p99 and page/static ratios.

    .venv/bin/python -m bench.wrk_bench [--seconds 15] [--connections 16]

No Accept-Encoding is sent, so the page and the static file travel the same
number of bytes (Django does not compress HTML; a CDN would).

Loopback only (127.0.0.1, a free port), every loop bounded. Uses `wrk` when
installed (`apt-get install wrk`), else a small threaded Python client (which
measures itself as much as the server: its figures are lower bounds).
Database and cache: a temporary SQLite file and file cache, or DATABASE_URL /
CACHE_URL from the environment (e.g. Redis).
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from scripts.server import free_port, stop

ROOT = Path(__file__).resolve().parent.parent

PY = sys.executable
PAGE = "/treatments/dry-needling/"
HEADERS = {"X-Forwarded-Proto": "https"}
ROUNDS = 2
SAME_SIZE_FILE = "bench-same-size-as-page.html"


def get(url, timeout=5):
    return fetch(url, timeout)[0]


def fetch(url, timeout=5):
    request = urllib.request.Request(url, headers=HEADERS)  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return response.status, response.read()


def wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get(url, timeout=1) == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer {url} within {seconds}s")


def run_wrk(url, seconds, connections, headers=HEADERS):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def latency(pct):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return rps, latency(50), latency(99), int(non2xx.group(1)) if non2xx else 0


def run_python(url, seconds, connections):
    """Fallback: `connections` threads, each requesting for `seconds`."""
    latencies, errors = [], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                ok = get(url) == 200
            except OSError:
                ok = False
            took = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(took)
                errors[0] += not ok

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / seconds, cuts[49], cuts[98], errors[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", default=os.environ.get("GUNICORN_WORKERS", "2"))
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic_site.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_VAR_DIR": str(var),
        "DJANGO_LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(args.workers),
    }
    server = None
    try:
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["loaddata", "treatments", "clinic", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            subprocess.run(
                [PY, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300
            )
        gunicorn = Path(PY).with_name("gunicorn")
        base = f"http://127.0.0.1:{port}"

        def start():
            process = subprocess.Popen(  # noqa: S603
                [gunicorn, "-c", "clinic_site/gunicorn.conf.py", "clinic_site.wsgi"],
                cwd=ROOT,
                env={**env, "GUNICORN_CMD_ARGS": "--access-logfile /dev/null"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_until_up(base + "/healthz/")
            return process

        # whitenoise indexes the static files when it starts: measure the
        # page, write a static file of exactly its size, then start afresh.
        server = start()
        page_html = fetch(base + PAGE)[1]
        stop(server)
        (var / "static" / SAME_SIZE_FILE).write_bytes(
            b"x" * len(page_html)  # same length, served as text/html
        )
        server = start()
        static = "/static/" + SAME_SIZE_FILE
        assert len(fetch(base + static)[1]) == len(page_html)
        for _ in range(50):  # warm: every worker renders and caches the pages
            get(base + PAGE)
            get(base + "/")
            get(base + static)

        tool = "wrk" if shutil.which("wrk") else "python threads"
        run = run_wrk if tool == "wrk" else run_python
        print(
            f"load: {tool}, {args.connections} connections, {args.seconds}s each, "
            f"alternating, {ROUNDS} rounds; {args.workers} gunicorn workers, "
            f"{os.cpu_count()} CPUs (shared with wrk: noisy)"
        )
        print(f"cache: {os.environ.get('CACHE_URL', 'file cache (default)')}")
        print(f"page size: {len(page_html)} bytes (static file: the same)")
        targets = (("treatment page", PAGE), ("home", "/"), ("static file", static))
        results = {name: [] for name, _ in targets}
        for round_number in range(1, ROUNDS + 1):
            for name, path in targets:
                rps, p50, p99, bad = run(base + path, args.seconds, args.connections)
                results[name].append((rps, p99))
                print(
                    f"round {round_number}  {name:15} {rps:9.0f} req/s  "
                    f"p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  non-2xx {bad}"
                )
        static_rps = statistics.mean(r for r, _ in results["static file"])
        for name in ("treatment page", "home"):
            rps = statistics.mean(r for r, _ in results[name])
            worst_p99 = max(p for _, p in results[name])
            print(
                f"{name}: {rps:.0f} req/s on average = {rps / static_rps:.2f}x the "
                f"static file (target >= 0.80); worst p99 {worst_p99:.1f} ms "
                "(target < 50)"
            )
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
