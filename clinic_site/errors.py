"""The site's error pages: Django's handler400/403/404/500, and the answers to
requests clinic_site.request_limits refuses.

Rendered from the template alone: no request context, so no database, no
session and no CSRF token. Django's own handlers are wrapped in
`requires_csrf_token`, which reads `request.POST` again: a body that could not
be read the first time (a non-UTF-8 form) then raised inside the handler too,
and gunicorn answered with its own bare 500. These never read the body.
"""

from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string

# The middleware that adds the site's headers to every page (CSP,
# Permissions-Policy, X-Frame-Options). They sit below the page cache in
# MIDDLEWARE; a request refused above it gets its headers from them here.
PAGE_HEADER_MIDDLEWARE = (
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)


def error_page(template_name, status, **context):
    """An error page, never stored by a browser or a CDN."""
    response = HttpResponse(
        loader.render_to_string(template_name, context), status=status
    )
    add_never_cache_headers(response)
    return response


def bad_request(request, exception):
    return error_page("400.html", 400)


def permission_denied(request, exception):
    return error_page("403.html", 403)


def page_not_found(request, exception):
    return error_page("404.html", 404)


def server_error(request):
    return error_page("500.html", 500)


def refusal(request, template_name, status, reason=""):
    """The page for a request refused before it reached the middleware that
    adds the site's headers, with those headers added by that middleware."""
    response = error_page(template_name, status, reason=reason)

    def get_response(request):
        return response

    for path in reversed(PAGE_HEADER_MIDDLEWARE):
        get_response = import_string(path)(get_response)
    return get_response(request)
