"""Serving public pages from the shared cache, and storing them there."""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

from . import store

# Headers a 304 carries over from the page besides those Django copies, so a
# 304 says the same as the 200 it stands for.
NOT_MODIFIED_EXTRA_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
)


def _from_cache(request, entry):
    _, content, headers = entry
    # HEAD: the headers of the page (its Content-Length included), no body.
    response = HttpResponse(b"" if request.method == "HEAD" else content)
    for name, value in headers.items():
        response[name] = value
    return response


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
            and store.cache_usable()
        ):
            try:
                key, version, entry = store.lookup(request.path)
            except Exception as exc:
                store.cache_failed("Page cache unavailable", exc)
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
            response["Last-Modified"] = http_date(store.version_time(version))
            store.save_page(key, (version, response.content, dict(response.items())))
        if request.method == "HEAD":
            response.content = b""  # Content-Length stays the page's
        return _conditional(request, response)
