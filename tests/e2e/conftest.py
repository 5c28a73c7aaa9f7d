"""Browser fixtures: Debian's Chromium driven by Playwright against live_server.

The browser reaches 127.0.0.1 only: it starts with flags that keep it from
calling any host of its own accord (scripts/browser.py), and a route handler
aborts (and records) every request to any other host; each test then asserts
that none was made.
"""

import os
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from scripts.browser import CHROMIUM, CHROMIUM_FLAGS, loopback_only
from tests.helpers import require_chromium

# pytest-django's live_server listens on this address (default: "localhost").
os.environ["DJANGO_LIVE_TEST_SERVER_ADDRESS"] = "127.0.0.1"
# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make to check the database are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LOOPBACK = "127.0.0.1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright gives every launch a fresh, empty profile directory of its own
    # (it refuses a --user-data-dir argument).
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, timeout=30_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def stray_requests():
    """Every request the browser tried to send to a host other than 127.0.0.1."""
    return []


@pytest.fixture
def new_context(browser, stray_requests):
    """Factory for browser contexts that can only reach 127.0.0.1."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)

        loopback_only(context, stray_requests)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert stray_requests == [], (
        f"the browser tried to leave 127.0.0.1: {stray_requests}"
    )


@pytest.fixture
def site(live_server, transactional_db):
    """The live site with the shipped content (fixtures/*.json) loaded."""
    assert urlsplit(live_server.url).hostname == LOOPBACK
    call_command(
        "loaddata", "treatments", "clinic", "practitioners", "conditions", verbosity=0
    )
    return live_server.url


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def page(request, new_context, site):
    """A desktop page, once with JavaScript on and once with it off."""
    context = new_context(java_script_enabled=request.param)
    return context.new_page()
