from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from treatments.views import serve_media

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("treatments.urls")),
]

# Uploaded media in local mode (SERVE_MEDIA, on unless DJANGO_ENV=production);
# production serves media from object storage.
if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            r"^{}(?P<path>.*)$".format(settings.MEDIA_URL.lstrip("/")),
            serve_media,
        )
    ]
