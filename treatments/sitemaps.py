from clinic_site.sitemaps import SiteURLSitemap

from .models import Treatment


class TreatmentSitemap(SiteURLSitemap):
    def items(self):
        return Treatment.objects.published().only("slug", "updated_at")

    def lastmod(self, treatment):
        return treatment.updated_at
