"""Serving public pages from the shared cache, and storing them there."""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from . import store
from .encoding import compressed_bodies, preferred_encoding, variant_etag

# Headers a 304 carries over from the page besides those Django copies, so a
# 304 says the same as the 200 it stands for.
NOT_MODIFIED_EXTRA_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
)


def _serve(request, response, bodies, encoding):
    """`response` with the page's body in `encoding` (identity when the page
    has no such body), its ETag and length."""
    if encoding not in bodies:
        encoding = ""
    body = bodies[encoding]
    if encoding:
        response["Content-Encoding"] = encoding
    response["ETag"] = variant_etag(response["ETag"], encoding)
    response["Content-Length"] = str(len(body))
    # HEAD: the headers of the page (its Content-Length included), no body.
    response.content = b"" if request.method == "HEAD" else body
    return response


def _from_cache(request, entry, encoding):
    _, bodies, headers = entry
    response = HttpResponse()
    for name, value in headers.items():
        response[name] = value
    return _serve(request, response, bodies, encoding)


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
    A stored page holds its brotli and gzip bodies, made once when it is
    stored; each request gets the one its Accept-Encoding prefers (encoding).
    A page that cannot be stored (the cache down) is sent as rendered.
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
        encoding = preferred_encoding(request.headers.get("Accept-Encoding", ""))
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
                return _conditional(request, _from_cache(request, entry, encoding))

        response = self.get_response(request)
        if not (
            getattr(response, "is_public_page", False)
            and response.status_code == 200
            and not response.cookies
        ):
            return response
        patch_vary_headers(response, ["Accept-Encoding"])
        bodies = {"": response.content}
        if key is not None:
            response["Last-Modified"] = http_date(store.version_time(version))
            bodies = compressed_bodies(response.content)
            store.save_page(key, (version, bodies, dict(response.items())))
        return _conditional(request, _serve(request, response, bodies, encoding))
