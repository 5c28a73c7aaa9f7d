"""/sitemap.xml: the public pages, with addresses from DJANGO_SITE_URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class SiteURLSitemap(Sitemap):
    """Builds absolute URLs from the configured site URL, not the Host header."""

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class StaticPagesSitemap(SiteURLSitemap):
    """Pages that are not built from a model, by URL name."""

    def items(self):
        return [
            "treatments:home",
            "treatments:list",
            "conditions:list",
            "practitioners:team",
            "visit",
            "enquiries:privacy",
        ]

    def location(self, item):
        return reverse(item)
