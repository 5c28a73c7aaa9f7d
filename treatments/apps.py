from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    """The treatment pages: their content, layout and images."""

    name = "treatments"
    verbose_name = "Treatments"
