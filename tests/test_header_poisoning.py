"""No header a client sends can make a cached page another page.

A real gunicorn with the production gunicorn.conf.py and settings (as behind
the load balancer: DJANGO_TRUSTED_PROXY_COUNT=1), on the file cache and, when
CACHE_URL names Redis, on Redis too: a visitor sends one header an attacker
controls to a page nobody has asked for since the cache was emptied; the next
plain visitor must get that page as it should be.
"""

import http.client
import os
import shutil

import pytest
import redis
from bs4 import BeautifulSoup
from django.test import override_settings

from tests.helpers import production_site, soup

PAGES = {
    "/": "Example Clinic",
    "/treatments/dry-needling/": "Dry needling",
}


def poisoned_headers(path):
    """Each header a client controls, with a value that would move the page."""
    return {
        # gunicorn maps a header named with an underscore to the WSGI
        # SCRIPT_NAME when it trusts the peer, and cuts it off PATH_INFO.
        "SCRIPT_NAME": path.rstrip("/") or "/",
        "Script-Name": path.rstrip("/") or "/",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Prefix": "/evil",
        "X-Original-URL": "/privacy/",
        "X-Rewrite-URL": "/privacy/",
        "Forwarded": "for=192.0.2.1;host=evil.example;proto=http",
    }


CASES = [(path, name) for path in PAGES for name in poisoned_headers(path)]

CACHES = ["filecache"]
if os.environ.get("CACHE_URL", "").startswith("redis://"):
    CACHES.append("redis")


@pytest.fixture(scope="module", params=CACHES)
def site(request, tmp_path_factory):
    """(port, a function that empties the site's page cache)."""
    env = {"DJANGO_TRUSTED_PROXY_COUNT": "1"}
    if request.param == "redis":
        env["CACHE_URL"] = os.environ["CACHE_URL"]
    log_dir = tmp_path_factory.mktemp("poisoning")
    with production_site(log_dir, **env) as (base, _env, tmp, _log):
        if request.param == "redis":
            connection = redis.Redis.from_url(os.environ["CACHE_URL"])

            def empty_cache():
                connection.flushdb()

        else:

            def empty_cache():
                shutil.rmtree(tmp / "var" / "cache", ignore_errors=True)

        yield int(base.rsplit(":", 1)[1]), empty_cache


def get(port, path, headers=()):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.putrequest("GET", path)
        # As the load balancer forwards a visitor's request.
        for name, value in [
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-For", "203.0.113.7"),
            *headers,
        ]:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def assert_is_the_page(html, path, port):
    page = BeautifulSoup(html, "html.parser")
    assert page.h1.get_text() == PAGES[path]
    canonical = page.find("link", rel="canonical")["href"]
    assert canonical == f"http://127.0.0.1:{port}{path}"
    assert "evil" not in html
    # Links are the site's own paths, not moved under a prefix.
    assert page.find("a", class_="site-header__name")["href"] == "/"
    stylesheets = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    assert stylesheets and all(href.startswith("/static/") for href in stylesheets)


@pytest.mark.parametrize(("path", "header"), CASES)
def test_a_poisoning_header_never_reaches_the_next_visitor(site, path, header):
    port, empty_cache = site
    empty_cache()
    value = poisoned_headers(path)[header]
    status, html = get(port, path, [(header, value)])
    # The sender gets the page itself or a refusal, never another page...
    assert status in (200, 400)
    if status == 200:
        assert_is_the_page(html, path, port)
    # ...and so does everyone after them, first from the cache and then again.
    for _ in range(2):
        status, html = get(port, path)
        assert status == 200
        assert_is_the_page(html, path, port)


# The application's side, whatever the server in front passes on ------------


@pytest.mark.django_db
@override_settings(PUBLIC_PAGE_CACHE_SECONDS=3600)
def test_a_request_with_a_script_name_is_refused_and_not_cached(client, seeded):
    """A server that trusts SCRIPT_NAME cuts it off the path: `/treatments/
    dry-needling/` with SCRIPT_NAME `/treatments/dry-needling` arrives as the
    home page's PATH_INFO. The site is never mounted under a prefix: 400."""
    response = client.get("/", SCRIPT_NAME="/treatments/dry-needling")
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response
    page = soup(client.get("/treatments/dry-needling/"))
    assert page.h1.get_text() == "Dry needling"
