from clinic_site.sitemaps import SiteURLSitemap

from .models import Condition


class ConditionSitemap(SiteURLSitemap):
    def items(self):
        return Condition.objects.published().only("slug", "updated_at")

    def lastmod(self, condition):
        return condition.updated_at
