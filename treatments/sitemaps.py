from django.urls import reverse

from clinic_site.sitemaps import SiteURLSitemap

from .models import Treatment


class TreatmentSitemap(SiteURLSitemap):
    def items(self):
        return Treatment.objects.published().only("slug", "updated_at")

    def lastmod(self, treatment):
        return treatment.updated_at


class TreatmentUpdatesSitemap(SiteURLSitemap):
    """Each page's public history (/treatments/<slug>/updates/), once it has
    a "what changed" note. Being listed here, it is also purged from nginx's
    cache when content changes (clinic_site/pagecache/purge.py)."""

    def items(self):
        return (
            Treatment.objects.published()
            .exclude(change_note="")
            .only("slug", "updated_at")
        )

    def location(self, treatment):
        return reverse("treatments:updates", kwargs={"slug": treatment.slug})

    def lastmod(self, treatment):
        return treatment.updated_at
