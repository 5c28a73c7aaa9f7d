"""Site-wide views: robots.txt, local media, CSRF failures, and the admin
addresses of models that moved to another app (health checks: health.py)."""

from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.static import serve

from .site_url import absolute_url


def serve_media(request, path):
    """Uploaded media in local mode (SERVE_MEDIA); MEDIA_ROOT read per request."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def csrf_failure(request, reason=""):
    """A failed CSRF check (usually an expired page) loses nothing typed.

    A view can answer its own failed POSTs with a `csrf_failure_response(request)`
    class method (the enquiry form comes back filled in as sent); anything
    else gets the plain 403 page.
    """
    if request.method == "POST":
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        view_class = getattr(match.func, "view_class", None) if match else None
        handler = getattr(view_class, "csrf_failure_response", None)
        if handler is not None:
            return handler(request)
    return default_csrf_failure(request, reason=reason, template_name="403_csrf.html")


@csrf_exempt
@require_safe
def robots_txt(request):
    """Names the sitemap's absolute address and keeps crawlers out of admin.

    A custom DJANGO_ADMIN_URL is not published here (that would undo it);
    admin pages carry `X-Robots-Tag: noindex, nofollow` whatever the path.
    """
    lines = ["User-agent: *"]
    if settings.ADMIN_URL == "admin/":  # the default: no secret to keep
        lines.append("Disallow: /admin/")
    lines += [
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
    patch_cache_control(response, public=True, max_age=3600)
    return response


# Admin pages of models that moved out of the treatments app, by model name:
# the app they are in now.
MOVED_ADMIN_PAGES = {"enquiry": "enquiries", "clinicdetails": "clinic"}


def moved_admin_page(request, model, rest):
    """An admin address from before the move (the link in a notification
    email, a bookmark) leads to the same page in the model's new app."""
    url = f"/{settings.ADMIN_URL}{MOVED_ADMIN_PAGES[model]}/{model}/{quote(rest)}"
    if query := request.META.get("QUERY_STRING"):
        url += "?" + quote(query, safe="=&+%;/,:")
    return HttpResponsePermanentRedirect(url)
