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
  ETag and Last-Modified so browsers and CDNs revalidate with 304s.
"""

import hashlib
import logging
import time
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
)
from django.utils.http import http_date
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


def page_key(path):
    return "public-page:" + hashlib.sha256(path.encode()).hexdigest()


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
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    entry = found.get(key)
    if entry is not None and entry[0] != version:
        entry = None
    return key, version, entry


def clear_public_pages():
    """Make every cached public page stale, on every worker and host."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
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


def _from_cache(entry):
    _, content, headers, _ = entry
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    return response


def cache_public_page(view):
    """Mark a view's page as public and cacheable (see the module docstring).

    The view answers GET and HEAD only; signed-in staff get a private page;
    anyone else gets a public one with ETag and Last-Modified, which
    PublicPageCacheMiddleware keeps in the shared cache.
    """

    @wraps(view)
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
        if response.status_code != 200 or response.streaming:
            return response
        last_modified = int(time.time())
        digest = hashlib.md5(response.content, usedforsecurity=False)
        response["ETag"] = f'"{digest.hexdigest()}"'
        response["Last-Modified"] = http_date(last_modified)
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
        response.public_page_rendered_at = last_modified
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=last_modified,
            response=response,
        )

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
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = version = None
        # The host check CommonMiddleware would make further down: a host not
        # in ALLOWED_HOSTS gets its 400 even when the page is cached.
        request.get_host()
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
                return get_conditional_response(
                    request,
                    etag=entry[2]["ETag"],
                    last_modified=entry[3],
                    response=_from_cache(entry),
                )

        response = self.get_response(request)
        rendered_at = getattr(response, "public_page_rendered_at", None)
        if (
            key is not None
            and rendered_at is not None
            and response.status_code == 200
            and not response.cookies
        ):
            entry = (version, response.content, dict(response.items()), rendered_at)
            try:
                cache.set(key, entry, settings.PUBLIC_PAGE_CACHE_SECONDS)
            except Exception as exc:
                _cache_failed("Page not cached", exc)
        return response
