from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from treatments import views as treatment_views
from treatments.cache import cache_public_page
from treatments.sitemaps import SITEMAPS

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("treatments.urls")),
    # Production (issue 5): search engines and load balancers.
    path(
        "sitemap.xml",
        cache_public_page(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("robots.txt", treatment_views.robots_txt, name="robots_txt"),
    path("healthz/", treatment_views.healthz, name="healthz"),
]

# Uploaded media in local mode; production serves media from object storage.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
