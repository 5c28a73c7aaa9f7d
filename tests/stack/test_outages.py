"""Redis or PostgreSQL goes away under the running stack (servers of the
test's own, never the shared ones) and comes back: what visitors, the load
balancer's check and monitoring see, and recovery without a restart."""

import json
import time

import pytest
import redis
from bs4 import BeautifulSoup

from scripts.stack import request

pytestmark = pytest.mark.stack

PUBLIC = ["/", "/treatments/", "/treatments/dry-needling/", "/privacy/"]


def from_app_host(stack, index, path):
    """A page straight from one app host (not nginx's cache), as nginx asks."""
    return request(
        "GET",
        stack.app_urls[index] + path,
        headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"},
    )


def wait_until(check, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def test_redis_down_pages_and_enquiries_go_on(outage_stack, own_services, stack_client):
    stack, cache = outage_stack, redis.Redis(port=own_services.redis.port)
    assert from_app_host(stack, 0, "/treatments/")[0] == 200
    assert cache.dbsize() > 0  # the page cache is in use

    own_services.redis.stop()
    for index in range(2):
        for path in PUBLIC:
            assert from_app_host(stack, index, path)[0] == 200, (index, path)
    for path in PUBLIC:
        assert stack_client.get(stack, path)[0] == 200
    message = f"Sent while Redis was down {time.time_ns()}"
    status, headers, body = stack_client.post_enquiry(stack, message, "127.0.40.1")
    assert status == 302, BeautifulSoup(body, "html.parser").get_text(" ", strip=True)
    assert headers["location"].startswith("/enquire/thanks/")
    assert stack_client.stored(stack.database_url, message) == 1
    assert stack_client.get(stack, "/healthz/")[0] == 200  # hosts stay in
    errors = stack.out / "logs" / "clinic-error.log"
    logged = errors.stat().st_size
    for _ in range(2):  # each host once
        status, _, body = stack_client.get(stack, "/healthz/deep/")
        assert status == 503
        assert json.loads(body)["failed"] == ["cache"]
    # Monitoring's 503s never take a host out of nginx.
    with errors.open() as log:
        log.seek(logged)
        assert "temporarily disabled" not in log.read()

    own_services.redis.start()  # empty, on the same port
    assert cache.dbsize() == 0
    # Each worker leaves the cache alone for a few seconds after an error,
    # then uses it again: no restart.
    assert wait_until(
        lambda: (
            from_app_host(stack, 0, "/treatments/")[0] == 200 and cache.dbsize() > 0
        ),
        seconds=20,
    )
    assert stack_client.get(stack, "/healthz/deep/")[0] == 200


def test_postgres_gone_gives_the_sites_500_page_and_recovers(
    outage_stack, own_services, stack_client
):
    stack = outage_stack
    masters = [host.popen.pid for host in stack.hosts]
    assert stack_client.get(stack, "/enquire/")[0] == 200

    own_services.postgres.stop()
    status, _, body = stack_client.get(stack, "/enquire/")
    assert status == 500
    page = BeautifulSoup(body, "html.parser")
    assert page.h1.get_text() == "Sorry, there is a problem with the service"
    for index in range(2):
        status, _, body = from_app_host(stack, index, "/healthz/")
        assert (status, body) == (503, b"unavailable: database\n")
    assert stack_client.get(stack, "/healthz/")[0] == 503

    own_services.postgres.start()
    assert wait_until(lambda: from_app_host(stack, 0, "/healthz/")[0] == 200, 20)
    assert wait_until(lambda: from_app_host(stack, 1, "/healthz/")[0] == 200, 20)
    # nginx took both hosts out after their 503s; within fail_timeout (10 s)
    # it tries them again.
    assert wait_until(lambda: stack_client.get(stack, "/enquire/")[0] == 200, 30)
    assert [host.popen.pid for host in stack.hosts] == masters
    assert all(host.running() for host in stack.hosts)
