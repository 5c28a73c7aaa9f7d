"""The stack (nginx before two gunicorn app hosts), measured: the treatment
page against nginx serving the same bytes from disk over the same TLS, and a
normal visitor's latency while slow clients hold connections, with and
without nginx in front.

    .venv/bin/python -m bench.stack_bench [--seconds 10] [--connections 16]

Page vs static: HTTPS with keep-alive and `Accept-Encoding: br, gzip`
(wrk speaks HTTP/1.1; browsers would use HTTP/2), the treatment page and a
file holding exactly the page's bytes (the same .br and .gz bodies, served
by nginx's brotli_static/gzip_static), alternating, twice. Slow clients:
0, 1, 2, 100 and 500 (nginx: also 2000) connections trickling request
headers (one line every 2 s, held 20 s, each from its own loopback address)
against the stack and against one app host without nginx; the visitor makes
30 requests, one after another, 5 s timeout each (giving up after 3
timeouts).

Loopback only, spare ports, every loop bounded. PostgreSQL and Redis from
DATABASE_URL / CACHE_URL (default: make stack's clinic_stack and Redis db 7).
"""

import argparse
import gzip
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.wrk_bench import run_wrk
from scripts.stack import (
    Stack,
    free_port,
    hold_slow_clients,
    request,
    tls_context,
)

PAGE = "/treatments/dry-needling/"
SAME_BYTES = "bench-same-bytes-as-page.html"
ROUNDS = 2
ENCODINGS = {"identity": "", "gzip": ".gz", "br": ".br"}
SLOW_LEVELS = (0, 1, 2, 100, 500)
# nginx only: how far it goes (worker_connections 4096).
NGINX_EXTRA_LEVELS = (2000,)
# Longer than a stuck visitor takes to give up (3 timeouts of 5 s).
HOLD_SECONDS = 20
VISITS = 30


def run_python(url, seconds, connections, headers, cert):
    """Fallback without wrk: threads on keep-alive connections."""
    import http.client

    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + seconds
    authority, _, path = url.partition("://")[2].partition("/")
    host, _, port = authority.rpartition(":")

    def worker():
        conn = http.client.HTTPSConnection(
            host, int(port), context=tls_context(cert), timeout=5
        )
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", "/" + path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                errors[0] += not ok

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / seconds, cuts[49], cuts[98], errors[0]


def page_vs_static(stack, args):
    base = stack.base_url
    bodies = {}
    for name in ENCODINGS:
        headers = {} if name == "identity" else {"Accept-Encoding": name}
        status, response_headers, body = request(
            "GET", base + PAGE, headers=headers, cert=stack.cert
        )
        assert status == 200, status
        got = response_headers.get("content-encoding", "identity")
        bodies[name] = body if got == name else None
    print("treatment page bytes on the wire (body):")
    for name, body in bodies.items():
        print(f"  {name:8} {len(body) if body is not None else 'not offered'}")
    static_root = stack.var_dir / "static"
    plain = bodies["identity"]
    (static_root / SAME_BYTES).write_bytes(plain)
    (static_root / (SAME_BYTES + ".gz")).write_bytes(
        bodies["gzip"] or gzip.compress(plain)
    )
    if bodies["br"] is not None:
        (static_root / (SAME_BYTES + ".br")).write_bytes(bodies["br"])
    static = "/static/" + SAME_BYTES
    headers = {"Accept-Encoding": "br, gzip"}
    page_body = request("GET", base + PAGE, headers=headers, cert=stack.cert)[2]
    static_body = request("GET", base + static, headers=headers, cert=stack.cert)[2]
    assert page_body == static_body, (len(page_body), len(static_body))
    print(f"Accept-Encoding: br, gzip -> {len(page_body)} bytes, page and file alike")
    for _ in range(50):
        request("GET", base + PAGE, headers=headers, cert=stack.cert)

    tool = "wrk" if shutil.which("wrk") else "python threads"
    print(
        f"load: {tool} over HTTPS keep-alive, {args.connections} connections, "
        f"{args.seconds}s each, alternating, {ROUNDS} rounds; {os.cpu_count()} "
        "CPUs shared by wrk, nginx and both app hosts (noisy)"
    )
    results = {"treatment page": [], "static file": []}
    for round_number in range(1, ROUNDS + 1):
        for name, path in (("treatment page", PAGE), ("static file", static)):
            if tool == "wrk":
                rps, p50, p99, bad = run_wrk(
                    base + path, args.seconds, args.connections, headers=headers
                )
            else:
                rps, p50, p99, bad = run_python(
                    base + path, args.seconds, args.connections, headers, stack.cert
                )
            results[name].append(rps)
            print(
                f"round {round_number}  {name:15} {rps:9.0f} req/s  "
                f"p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  non-2xx {bad}"
            )
    page_rps = statistics.mean(results["treatment page"])
    static_rps = statistics.mean(results["static file"])
    print(
        f"treatment page through the stack: {page_rps:.0f} req/s = "
        f"{page_rps / static_rps:.2f}x nginx serving the same bytes from disk "
        "(target >= 0.5)"
    )


def len_visits(failed):
    return f"the first {VISITS if failed < 3 else 'few'}"


def visitor(url, cert):
    """VISITS requests one after another: (p99 ms, timeouts)."""
    took, failed = [], 0
    for _ in range(VISITS):
        started = time.perf_counter()
        try:
            status = request(
                "GET",
                url,
                cert=cert,
                headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"},
                timeout=5,
            )[0]
            failed += status != 200
        except OSError:
            failed += 1
        took.append((time.perf_counter() - started) * 1000)
        if failed >= 3:  # stuck: no need to wait out every timeout
            break
        time.sleep(0.1)
    return statistics.quantiles(took, n=100)[98], failed


def slow_clients(stack, args):
    host, _, port = stack.app_hosts[0].partition(":")
    targets = [
        ("nginx (stack)", stack.https_port, stack.base_url + PAGE, stack.cert),
        (
            f"gunicorn {host} alone, {args.workers} sync workers",
            None,
            f"http://{host}:{port}{PAGE}",
            None,
        ),
    ]
    print(
        f"\nslow clients (trickling headers, one line per 2 s), visitor: {VISITS} "
        "GETs of the treatment page, 5 s timeout"
    )
    for name, tls_port, url, cert in targets:
        past = None
        levels = SLOW_LEVELS + (NGINX_EXTRA_LEVELS if tls_port else ())
        for level in levels:
            if tls_port:
                thread, seen = hold_slow_clients(
                    tls_port, tls_context(cert), seconds=HOLD_SECONDS, headers=level
                )
            else:
                thread, seen = hold_direct(host, int(port), level)
            time.sleep(2 if level else 0)
            p99, failed = visitor(url, cert)
            thread.join(60)
            print(
                f"  {name:40} {level:4} slow: visitor p99 {p99:7.1f} ms, "
                f"{failed} of {len_visits(failed)} failed or timed out"
            )
            if past is None and (p99 > 500 or failed):
                past = level
        print(
            f"  {name}: visitor past 500 ms from "
            + (f"{past} slow connections" if past is not None else "none measured")
        )


def hold_direct(host, port, count):
    """Slow clients against one app host itself (plain HTTP, no nginx)."""
    import asyncio

    from scripts.stack import SLOW_HEADERS, slow_address

    seen = {"connected": 0, "dropped": 0}

    async def trickle_plain(index, deadline):
        try:
            _, writer = await asyncio.open_connection(
                host, port, local_addr=(slow_address(index), 0)
            )
            writer.write(SLOW_HEADERS[0])
            while time.monotonic() < deadline:
                await writer.drain()
                await asyncio.sleep(2)
                writer.write(SLOW_HEADERS[1])
            writer.close()
        except OSError:
            seen["dropped"] += 1

    async def hold():
        deadline = time.monotonic() + HOLD_SECONDS
        await asyncio.gather(*(trickle_plain(i, deadline) for i in range(count)))

    thread = threading.Thread(target=asyncio.run, args=(hold(),))
    thread.start()
    return thread, seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="per app host")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="clinic-stack-bench-"))
    (out / "var").mkdir()
    stack = Stack(
        out=out,
        database_url=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_stack"
        ),
        cache_url=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/7"),
        https_port=free_port(),
        http_port=free_port(),
        purge_port=free_port(),
        app_hosts=(
            f"127.0.0.2:{free_port('127.0.0.2')}",
            f"127.0.0.3:{free_port('127.0.0.3')}",
        ),
        var_dir=out / "var",
        workers=args.workers,
        extra_env={"DJANGO_LOG_LEVEL": "WARNING", "EMAIL_URL": "dummymail://"},
        notifications=False,
    )
    try:
        stack.setup()
        stack.start()
        page_vs_static(stack, args)
        slow_clients(stack, args)
    finally:
        stack.stop()
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
