"""System checks for what a deploy must set."""

import os

from django.core import checks


@checks.register(checks.Tags.caches, deploy=True)
def build_id_is_set(app_configs, **kwargs):
    """Without DJANGO_BUILD_ID every release shares cached pages' keys: during
    a rolling restart one release's hosts can serve the other's pages."""
    if os.environ.get("DJANGO_BUILD_ID"):
        return []
    return [
        checks.Warning(
            "DJANGO_BUILD_ID is not set, so cached pages of one release may be "
            "served by another during a deploy.",
            hint="Set DJANGO_BUILD_ID to the release's commit or version.",
            id="clinic_site.W001",
        )
    ]
