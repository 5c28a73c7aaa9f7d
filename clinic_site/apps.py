from django.apps import AppConfig


class ClinicSiteConfig(AppConfig):
    """Site-wide plumbing: request ids in logs, the public page cache."""

    name = "clinic_site"
    verbose_name = "Site"

    def ready(self):
        from . import checks, logs, pagecache  # noqa: F401 (checks registers)

        logs.connect_signals()
        pagecache.connect_signals()
