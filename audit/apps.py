from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who did what in admin, and when: events, never patient data."""

    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from . import events

        events.connect_signals()
