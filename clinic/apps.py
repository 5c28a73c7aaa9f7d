from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The clinic itself: its contact details, shown in every page's frame."""

    name = "clinic"
    verbose_name = "Clinic"
