import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static as static_url
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView, TemplateView

from clinic_site.pagecache import cache_public_page
from conditions.sitemaps import ConditionSitemap
from treatments.sitemaps import TreatmentSitemap, TreatmentUpdatesSitemap

from . import health, views
from .admin_login import AdminLoginForm
from .sitemaps import StaticPagesSitemap

SITEMAPS = {
    "pages": StaticPagesSitemap,
    "treatments": TreatmentSitemap,
    "treatment-updates": TreatmentUpdatesSitemap,
    "conditions": ConditionSitemap,
}

# admin.site is staff_access's StaffAdminSite (django-otp's OTPAdminSite:
# password, then a code).
# Staff should know where they are: not "Django administration".
admin.site.site_header = "Clinic staff admin"
admin.site.site_title = "Clinic staff admin"
admin.site.index_title = "Treatments, clinic details and enquiries"
# No app list beside every page: at 1280 px it took the width the enquiry
# queue's columns need (Home lists the apps; the breadcrumbs lead back).
admin.site.enable_nav_sidebar = False
# Checks the username's length on the server (never a 500 on PostgreSQL).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    re_path(
        r"^{}treatments/(?P<model>{})/(?P<rest>[\s\S]*)$".format(
            re.escape(settings.ADMIN_URL), "|".join(views.MOVED_ADMIN_PAGES)
        ),
        views.moved_admin_page,
    ),
    # The sign-in steps after the password (before admin's catch-all).
    path(f"{settings.ADMIN_URL}sign-in/", include("staff_access.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    # Browsers and crawlers ask for /favicon.ico whatever the page links to.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static_url, str)("img/favicon.ico")),
    ),
    path("", include("treatments.urls")),
    path("", include("conditions.urls")),
    path("", include("search.urls")),
    path("", include("enquiries.urls")),
    path("", include("practitioners.urls")),
    path(
        "visit/",
        cache_public_page(TemplateView.as_view(template_name="clinic/visit.html")),
        name="visit",
    ),
    # Search engines and load balancers.
    path(
        "sitemap.xml",
        # Not in the page cache: its pages (?p=) and Last-Modified are its own.
        csrf_exempt(require_safe(sitemap)),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("healthz/", health.healthz, name="healthz"),
    path("healthz/deep/", health.healthz_deep, name="healthz_deep"),
]

# The site's own error pages, with its headers, never reading the body again
# (clinic_site.errors).
handler400 = "clinic_site.errors.bad_request"
handler403 = "clinic_site.errors.permission_denied"
handler404 = "clinic_site.errors.page_not_found"
handler500 = "clinic_site.errors.server_error"

# Uploaded media in local mode (SERVE_MEDIA, on unless DJANGO_ENV=production);
# production serves media from object storage.
if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            r"^{}(?P<path>.*)$".format(settings.MEDIA_URL.lstrip("/")),
            views.serve_media,
        )
    ]
