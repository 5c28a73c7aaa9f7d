"""/sitemap.xml: the public pages, with addresses from DJANGO_SITE_URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Treatment


class SiteURLSitemap(Sitemap):
    """Builds absolute URLs from the configured site URL, not the Host header."""

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class StaticPagesSitemap(SiteURLSitemap):
    def items(self):
        return ["treatments:home", "treatments:list", "treatments:privacy"]

    def location(self, item):
        return reverse(item)


class TreatmentSitemap(SiteURLSitemap):
    def items(self):
        return Treatment.objects.published().only("slug", "updated_at")

    def lastmod(self, treatment):
        return treatment.updated_at


SITEMAPS = {"pages": StaticPagesSitemap, "treatments": TreatmentSitemap}
