"""Purging the public pages from the nginx caches in front of the site.

nginx keeps public pages too (deploy/nginx/page-cache.conf), one entry per
path and encoding. Whenever the site's own cache is cleared after a content
change, every public page, in every encoding, is purged from each nginx
named in settings.PAGE_CACHE_PURGE_URLS: `PURGE <path>` to its purge server
(deploy/nginx/purge.conf) with the encoding in Accept-Encoding, which nginx
turns into the page's cache key exactly as it does for a visitor.

A purge never holds up a staff save for long: every nginx is purged at once,
each within PURGE_TIMEOUT_SECONDS in all (connecting and every answer), and
a failure is one log line. A page that a failed purge leaves in nginx is
served for at most its Cache-Control max-age (PUBLIC_PAGE_MAX_AGE): nginx
keeps public pages no longer than that.
"""

import http.client
import logging
import threading
import time
from urllib.parse import quote, urlsplit

from django.conf import settings

from .encoding import ENCODINGS

logger = logging.getLogger(__name__)

PURGE_TIMEOUT_SECONDS = 2.0


class PurgeRefused(Exception):
    pass


def public_page_paths():
    """The path of every public page: the sitemap's pages."""
    from clinic_site.urls import SITEMAPS

    paths = set()
    for sitemap_class in SITEMAPS.values():
        sitemap = sitemap_class()
        paths.update(sitemap.location(item) for item in sitemap.items())
    return paths


def purge_public_pages(extra_paths=()):
    """Purge every public page, and `extra_paths` (a page just unpublished,
    renamed or deleted), from each nginx in PAGE_CACHE_PURGE_URLS. Nothing is
    sent when the list is empty. True when every nginx purged every page."""
    urls = settings.PAGE_CACHE_PURGE_URLS
    if not urls:
        return True
    paths = set(extra_paths)
    try:
        paths |= public_page_paths()
    except Exception as exc:  # the database gone just after the commit
        logger.error("Public pages not listed for purging: %s", type(exc).__name__)
    return purge_paths(sorted(paths), urls)


def purge_paths(paths, urls, timeout=PURGE_TIMEOUT_SECONDS):
    """Purge `paths` in every encoding from each purge server in `urls`, all
    at once, for at most `timeout` seconds; log each failure in one line."""
    started = time.monotonic()
    deadline = started + timeout
    purges = [_Purge(url, paths, deadline) for url in urls]
    for purge in purges:
        purge.thread.start()
    for purge in purges:
        purge.thread.join(max(0.0, deadline - time.monotonic()))
    failed = [purge for purge in purges if purge.error or purge.thread.is_alive()]
    for purge in failed:
        logger.warning(
            "Public pages not purged from nginx %s: %s (%d of %d purged)",
            _display(purge.url),
            purge.error or "TimeoutError",
            purge.done,
            len(paths) * len(ENCODINGS),
        )
    if not failed:
        logger.info(
            "Purged %d public pages from %d nginx in %.0f ms",
            len(paths),
            len(urls),
            (time.monotonic() - started) * 1000,
        )
    return not failed


def _display(url):
    """The purge server's address without anything else the URL may hold."""
    try:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port or 80}"
    except ValueError:
        return "(invalid address)"


def _time_left(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


class _Purge:
    """One purge server's purge, in a thread of its own."""

    def __init__(self, url, paths, deadline):
        self.url, self.paths, self.deadline = url, paths, deadline
        self.done = 0
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        try:
            self.purge()
        except PurgeRefused as exc:
            self.error = str(exc)
        except Exception as exc:
            self.error = type(exc).__name__

    def purge(self):
        parts = urlsplit(self.url)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
            raise PurgeRefused("not an http://host:port address")
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port or 80, timeout=_time_left(self.deadline)
        )
        try:
            for path in self.paths:
                for encoding in ENCODINGS:
                    # Connecting and each answer get only the time left.
                    connection.timeout = _time_left(self.deadline)
                    if connection.sock is not None:
                        connection.sock.settimeout(connection.timeout)
                    connection.request(
                        "PURGE",
                        quote(path),
                        headers={"Accept-Encoding": encoding or "identity"},
                    )
                    response = connection.getresponse()
                    response.read()
                    # 404: that page was not cached in that encoding.
                    if response.status not in (200, 404):
                        raise PurgeRefused(f"HTTP {response.status}")
                    self.done += 1
        finally:
            connection.close()
