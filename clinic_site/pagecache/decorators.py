"""Marking a view's page as public and cacheable."""

import functools

from django.conf import settings
from django.utils.cache import (
    add_never_cache_headers,
    patch_cache_control,
    set_response_etag,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe


def signed_in(request):
    """Whether a signed-in user sent the request. The session is read only
    when the browser sent a session cookie, so an anonymous visitor's response
    neither sets a cookie nor varies on Cookie."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.user.is_authenticated


def cache_public_page(view):
    """Mark a view's page as public and cacheable.

    The view answers GET and HEAD only; signed-in staff get a private page;
    anyone else gets a public one with an ETag, which PublicPageCacheMiddleware
    keeps in the shared cache and answers conditional requests for.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if signed_in(request):
            add_never_cache_headers(response)
            return response
        if hasattr(response, "render"):
            response = response.render()
        if response.status_code == 200 and not response.streaming:
            set_response_etag(response)
            patch_cache_control(
                response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE
            )
            response.is_public_page = True
        return response

    # Unsafe methods get require_safe's 405, not the CSRF check's 403: the
    # page never acts on a POST, so there is nothing for CSRF to protect.
    return csrf_exempt(require_safe(wrapper))
