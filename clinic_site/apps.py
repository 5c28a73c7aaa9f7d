from django.apps import AppConfig


class ClinicSiteConfig(AppConfig):
    """Site-wide plumbing: request ids in logs, the public page cache, staff
    session limits, owner-only SQLite files."""

    name = "clinic_site"
    verbose_name = "Site"

    def ready(self):
        from . import (
            checks,  # noqa: F401 (registers the checks)
            local_files,
            logs,
            pagecache,
            staff_sessions,
        )

        logs.connect_signals()
        pagecache.connect_signals()
        staff_sessions.connect_signals()
        local_files.connect_signals()
