"""Slow clients tie up nginx, never a gunicorn worker: 200 connections that
trickle their headers and 50 that trickle a POST body, held for 20 s, while
a normal visitor reads the treatment page 50 times (2 sync workers per app
host would be stuck behind the first four without nginx)."""

import asyncio
import statistics
import threading
import time

import pytest

from scripts.stack import tls_context

pytestmark = pytest.mark.stack

SLOW_HEADERS = 200
SLOW_BODIES = 50
HOLD_SECONDS = 20
VISITS = 50
TREATMENT = "/treatments/dry-needling/"


def slow_address(index):
    """Each slow client its own loopback address, as from many machines
    (one address would meet limit_conn instead)."""
    return f"127.0.{10 + index // 250}.{1 + index % 250}"


async def trickle(port, context, source, first, then, deadline, seen):
    """Send `first`, then `then` every 2 s until the deadline, reconnecting
    when nginx drops the connection (client_header_timeout: 10 s)."""
    while time.monotonic() < deadline:
        writer = None
        try:
            _, writer = await asyncio.open_connection(
                "127.0.0.1",
                port,
                ssl=context,
                server_hostname="127.0.0.1",
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


async def hold_slow_clients(port, context, seen):
    deadline = time.monotonic() + HOLD_SECONDS
    headers = (
        f"GET {TREATMENT} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode(),
        b"X-Slow: 1\r\n",
    )
    body = (
        b"POST /enquire/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 100000\r\n\r\nname=",
        b"x",
    )
    tasks = [
        trickle(port, context, slow_address(i), *headers, deadline, seen)
        for i in range(SLOW_HEADERS)
    ] + [
        trickle(port, context, slow_address(SLOW_HEADERS + i), *body, deadline, seen)
        for i in range(SLOW_BODIES)
    ]
    await asyncio.wait_for(asyncio.gather(*tasks), HOLD_SECONDS + 30)


def test_a_visitor_is_served_quickly_while_slow_clients_hold_connections(
    stack, stack_client
):
    assert stack_client.get(stack, TREATMENT)[0] == 200  # warm
    logged = [host.log_path.stat().st_size for host in stack.hosts]
    seen = {"connected": 0, "dropped": 0}
    slow = threading.Thread(
        target=asyncio.run,
        args=(hold_slow_clients(stack.https_port, tls_context(stack.cert), seen),),
    )
    slow.start()
    try:
        time.sleep(3)  # every slow client connected and trickling
        connected_early = seen["connected"]
        statuses, took = [], []
        for _ in range(VISITS):
            started = time.perf_counter()
            statuses.append(stack_client.get(stack, TREATMENT, timeout=5)[0])
            took.append((time.perf_counter() - started) * 1000)
            time.sleep(0.25)  # spread over the hold, reconnects included
    finally:
        slow.join(HOLD_SECONDS + 40)
    assert not slow.is_alive()
    assert connected_early >= SLOW_HEADERS + SLOW_BODIES
    assert statuses == [200] * VISITS
    p99 = statistics.quantiles(took, n=100)[98]
    assert p99 < 500, f"p99 {p99:.0f} ms"
    # The slow bodies never reached gunicorn: no app host logged such a POST.
    for host, offset in zip(stack.hosts, logged, strict=True):
        with host.log_path.open() as log:
            log.seek(offset)
            assert '"POST /enquire/' not in log.read()
