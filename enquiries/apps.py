from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class EnquiriesConfig(AppConfig):
    """What patients send through the enquiry form, and how staff answer it."""

    name = "enquiries"
    verbose_name = "Enquiries"

    def ready(self):
        from clinic.models import ClinicDetails, ClosedDay

        from .services import enquiries_recompute_reply_due

        def recompute(sender, raw=False, **kwargs):
            # Loading fixtures (raw) changes no promise anyone has been given.
            if not raw:
                enquiries_recompute_reply_due()

        for model in (ClinicDetails, ClosedDay):
            post_save.connect(recompute, sender=model, weak=False)
        post_delete.connect(recompute, sender=ClosedDay, weak=False)
