"""Slow clients tie up nginx, never a gunicorn worker: 200 connections that
trickle their headers and 50 that trickle a POST body, held for 20 s, while
a normal visitor reads the treatment page 50 times (2 sync workers per app
host would be stuck behind the first four without nginx)."""

import statistics
import time

import pytest

from scripts.stack import hold_slow_clients, tls_context

pytestmark = pytest.mark.stack

SLOW_HEADERS = 200
SLOW_BODIES = 50
HOLD_SECONDS = 20
VISITS = 50
TREATMENT = "/treatments/dry-needling/"


def test_a_visitor_is_served_quickly_while_slow_clients_hold_connections(
    stack, stack_client
):
    assert stack_client.get(stack, TREATMENT)[0] == 200  # warm
    logged = [host.log_path.stat().st_size for host in stack.hosts]
    slow, seen = hold_slow_clients(
        stack.https_port,
        tls_context(stack.cert),
        HOLD_SECONDS,
        headers=SLOW_HEADERS,
        bodies=SLOW_BODIES,
    )
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
