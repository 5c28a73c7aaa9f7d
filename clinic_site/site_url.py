"""Absolute addresses on the site's one public address (DJANGO_SITE_URL).

Built from settings, never from the request's Host header: canonical links,
sitemap, JSON-LD and emails sent outside any request all name the same site.
"""

from django.conf import settings


def absolute_url(path=""):
    """`path` (starting with "/") on the site's public address."""
    return settings.SITE_URL.rstrip("/") + path
