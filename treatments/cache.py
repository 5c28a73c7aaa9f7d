"""The public pages' shared cache, and clearing it when staff change content.

A public page (home, list, treatment pages, privacy) is rendered once
and kept in the shared cache (Redis in production) under its path, tagged with
the content version token it was rendered under; one round trip reads both.
Whenever staff save or delete content those pages show, the token is
replaced, so every cached page is stale at once on every worker and host.

cache_public_page marks a view's page as public; PublicPageCacheMiddleware,
near the top of the middleware stack, serves and stores it. Rules they keep:
- signed-in staff never read or fill the cache (they may see drafts at the
  public URL) and their pages are `Cache-Control: private, no-store`;
- anonymous visitors without a session cookie never touch the session, so
  their pages set no cookie and do not vary on Cookie;
- the cache being down only means pages are rendered afresh: never a 500,
  and after an error the cache is left alone for RETRY_AFTER_SECONDS;
- only GET and HEAD (405 with `Allow` otherwise, before any CSRF check);
  an ETag (and, from the cache, a Last-Modified: when the content version
  was made) so browsers and CDNs revalidate with 304s;
- every key carries build_fingerprint(): pages of an older deploy or of
  other header settings are never served.
"""

import functools
import hashlib
import logging
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
)
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt

from .models import ClinicDetails, Treatment, TreatmentPoint

logger = logging.getLogger(__name__)

VERSION_KEY = "public-pages:version"

# After a cache error this process leaves the page cache alone for a few
# seconds: a Redis that times out (instead of refusing at once) then slows one
# request per worker every few seconds, not every request.
RETRY_AFTER_SECONDS = 5
_skip_cache_until = 0.0


def _cache_failed(what, exc):
    global _skip_cache_until
    _skip_cache_until = time.monotonic() + RETRY_AFTER_SECONDS
    logger.warning("%s: %s", what, type(exc).__name__)


def reset_cache_errors():
    """Use the page cache again at once (tests; after Redis is back)."""
    global _skip_cache_until
    _skip_cache_until = 0.0


def _new_version():
    """A fresh content version: random, plus when it was made (the pages'
    Last-Modified: when their content last changed, not when they rendered)."""
    return f"{uuid.uuid4().hex}:{int(time.time())}"


def version_time(version):
    return int(version.rsplit(":", 1)[1])


@functools.cache
def build_fingerprint():
    """What else a cached page depends on besides content: the templates and
    the app's code (a deploy), and the settings whose headers are stored with
    each page. Part of every page key, so a deploy or a header change never
    serves pages made by the old build; hosts of a rolling restart each keep
    to their own build's pages."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder, pattern in (("templates", "*.html"), ("treatments", "*.py")):
        for path in sorted((base / folder).rglob(pattern)):
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT or "") / "staticfiles.json"
    if settings.STATIC_ROOT and manifest.is_file():
        digest.update(manifest.read_bytes())
    digest.update(
        repr(
            (
                getattr(settings, "CONTENT_SECURITY_POLICY", None),
                getattr(settings, "PERMISSIONS_POLICY", None),
                settings.PUBLIC_PAGE_MAX_AGE,
                settings.X_FRAME_OPTIONS,
            )
        ).encode()
    )
    return digest.hexdigest()[:16]


def page_key(path):
    page = hashlib.sha256(path.encode()).hexdigest()
    return f"public-page:{build_fingerprint()}:{page}"


def _lookup(path):
    """(cache key, current version, cached entry or None): one round trip.

    An entry is stored with the version it was rendered under and used only
    while that is still the current version, so a page rendered from old
    content is never served once the version has moved on.
    """
    key = page_key(path)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = _new_version()
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    entry = found.get(key)
    if entry is not None and entry[0] != version:
        entry = None
    return key, version, entry


def clear_public_pages():
    """Make every cached public page stale, on every worker and host."""
    try:
        cache.set(VERSION_KEY, _new_version(), timeout=None)
    except Exception as exc:
        # Cached pages then live at most PUBLIC_PAGE_CACHE_SECONDS.
        logger.error("Public page cache not cleared: %s", type(exc).__name__)


def _content_changed(**kwargs):
    # Now, and again once the transaction commits: a page rendered from the
    # old rows in between is cached under the first token and dropped by the
    # second.
    clear_public_pages()
    transaction.on_commit(clear_public_pages, using=kwargs.get("using"))


@receiver(post_save, sender=Treatment, dispatch_uid="cache_treatment_saved")
@receiver(post_delete, sender=Treatment, dispatch_uid="cache_treatment_deleted")
@receiver(post_save, sender=TreatmentPoint, dispatch_uid="cache_point_saved")
@receiver(post_delete, sender=TreatmentPoint, dispatch_uid="cache_point_deleted")
@receiver(post_save, sender=ClinicDetails, dispatch_uid="cache_clinic_saved")
@receiver(post_delete, sender=ClinicDetails, dispatch_uid="cache_clinic_deleted")
def content_saved_or_deleted(sender, **kwargs):
    _content_changed(**kwargs)


@receiver(m2m_changed, sender=Treatment.related.through, dispatch_uid="cache_related")
def related_treatments_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        _content_changed(**kwargs)


def _signed_in(request):
    # The session is read only when the browser sent a session cookie, so an
    # anonymous visitor's response neither sets a cookie nor varies on Cookie.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.user.is_authenticated


def _from_cache(request, entry):
    _, content, headers = entry
    # HEAD: the headers of the page (its Content-Length included), no body.
    response = HttpResponse(b"" if request.method == "HEAD" else content)
    for name, value in headers.items():
        response[name] = value
    return response


# Headers a 304 carries over from the page besides those Django copies, so a
# 304 says the same as the 200 it stands for.
NOT_MODIFIED_EXTRA_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
)


def _conditional(request, response):
    """304 when the client's copy is current (ETag first, then date)."""
    last_modified = response.get("Last-Modified")
    conditional = get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
        response=response,
    )
    if conditional is not response:
        for name in NOT_MODIFIED_EXTRA_HEADERS:
            if name in response:
                conditional[name] = response[name]
    return conditional


def cache_public_page(view):
    """Mark a view's page as public and cacheable (see the module docstring).

    The view answers GET and HEAD only; signed-in staff get a private page;
    anyone else gets a public one with an ETag, which PublicPageCacheMiddleware
    keeps in the shared cache and answers conditional requests for.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405)
            response["Allow"] = "GET, HEAD"
            return response
        response = view(request, *args, **kwargs)
        if _signed_in(request):
            add_never_cache_headers(response)
            return response
        if hasattr(response, "render"):
            response = response.render()
        if response.status_code == 200 and not response.streaming:
            digest = hashlib.md5(response.content, usedforsecurity=False)
            response["ETag"] = f'"{digest.hexdigest()}"'
            patch_cache_control(
                response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE
            )
            response.is_public_page = True
        return response

    # Unsafe methods get the 405 above, not the CSRF check's 403: the page
    # never acts on a POST, so there is nothing for CSRF to protect.
    return csrf_exempt(wrapper)


class PublicPageCacheMiddleware:
    """Serve public pages from the shared cache before the rest of the stack.

    Placed just after WhiteNoise, so a cached page costs what a static file
    costs: no URL resolving, sessions, CSRF or view. What it stores is the
    response as the middleware below it left it (CSP, Permissions-Policy,
    X-Frame-Options included); the middleware above it (request id,
    SecurityMiddleware) add their headers to every response, cached or not.
    Only responses marked by cache_public_page, with status 200 and no
    cookie, are stored; requests carrying a session cookie never use it.
    Conditional requests (If-None-Match, If-Modified-Since) are answered here,
    after a miss has been stored, so revalidations fill the cache too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            # The host check CommonMiddleware makes further down, done first:
            # a host not in ALLOWED_HOSTS never gets a cached page.
            request.get_host()
        except DisallowedHost:
            return self.get_response(request)  # its 400, with every header

        key = version = None
        if (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and settings.PUBLIC_PAGE_CACHE_SECONDS
            and time.monotonic() >= _skip_cache_until
        ):
            try:
                key, version, entry = _lookup(request.path)
            except Exception as exc:
                _cache_failed("Page cache unavailable", exc)
                key = entry = None
            if entry is not None:
                return _conditional(request, _from_cache(request, entry))

        response = self.get_response(request)
        if not (
            getattr(response, "is_public_page", False)
            and response.status_code == 200
            and not response.cookies
        ):
            return response
        if key is not None:
            response["Last-Modified"] = http_date(version_time(version))
            entry = (version, response.content, dict(response.items()))
            try:
                cache.set(key, entry, settings.PUBLIC_PAGE_CACHE_SECONDS)
            except Exception as exc:
                _cache_failed("Page not cached", exc)
        if request.method == "HEAD":
            response.content = b""  # Content-Length stays the page's
        return _conditional(request, response)
