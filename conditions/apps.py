from django.apps import AppConfig


class ConditionsConfig(AppConfig):
    """Conditions in plain English, with their medical terms and other names,
    linked to the treatments that can help: the A–Z and the condition pages."""

    name = "conditions"
    verbose_name = "Conditions"
