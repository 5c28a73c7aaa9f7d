from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    """Who treats patients: their registration, photo, bio and treatments."""

    name = "practitioners"
    verbose_name = "Practitioners"
