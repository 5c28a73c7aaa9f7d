from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Clinic content and enquiries"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the signal handlers that clear the public pages' cache.
        from . import cache  # noqa: F401
