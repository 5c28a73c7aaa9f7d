from django.utils.functional import SimpleLazyObject

from .models import ClinicDetails


def site(request):
    """What every page's frame needs: the clinic's details and the canonical URL.

    `clinic` is read from the database only when a template uses it, so pages
    that never show it (the 404 and 500 pages) need no database.
    """
    return {
        "clinic": SimpleLazyObject(ClinicDetails.load),
        "canonical_url": request.build_absolute_uri(request.path),
    }
