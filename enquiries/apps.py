from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    """What patients send through the enquiry form, and how staff answer it."""

    name = "enquiries"
    verbose_name = "Enquiries"
