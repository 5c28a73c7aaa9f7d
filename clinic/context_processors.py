from django.utils.functional import SimpleLazyObject

from clinic_site.site_url import absolute_url

from .models import ClinicDetails


def site(request):
    """What every page's frame needs: the clinic's details and canonical URL.

    `clinic` is read from the database only when a template uses it, so pages
    that never show it (the 404 and 500 pages) need no database.
    """
    return {
        "clinic": SimpleLazyObject(ClinicDetails.load),
        # From the configured site URL, never the Host header: a page for a
        # bad Host (the 400 page) must render too, and canonical links must
        # name the one public address.
        "canonical_url": absolute_url(request.path),
        # For absolute links to static files (the Open Graph image).
        "site_url": absolute_url(),
    }
