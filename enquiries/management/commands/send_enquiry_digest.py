from datetime import timedelta

from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicDetails
from clinic_site.site_url import absolute_url
from enquiries.models import Enquiry

# "New" in the digest: received in this window before the digest runs. A
# daily cron line makes it "since yesterday's digest" without keeping state.
NEW_WINDOW = timedelta(hours=24)


def digest_counts(now):
    """How many enquiries are new, open, overdue and unsent: counts only."""
    return {
        "new": Enquiry.objects.filter(created_at__gte=now - NEW_WINDOW).count(),
        "open": Enquiry.objects.open().count(),
        "overdue": Enquiry.objects.overdue(now=now).count(),
        "unsent": Enquiry.objects.unsent().count(),
    }


class Command(BaseCommand):
    help = (
        "Email the clinic's 'notify enquiries to' address a summary: how many "
        "enquiries arrived in the last 24 hours, are open, overdue, and have an "
        "unsent notification, with a link to the queue in admin. Counts only, "
        "never a patient's details. Run once a day from cron."
    )

    def handle(self, *args, **options):
        clinic = ClinicDetails.load()
        if clinic is None:
            raise CommandError("No clinic details: nowhere to send the digest.")
        now = timezone.now()
        counts = digest_counts(now)
        context = {
            "clinic": clinic,
            "counts": counts,
            "now": now,
            "queue_url": absolute_url(reverse("admin:enquiries_enquiry_changelist")),
        }
        subject = (
            f"Enquiries: {counts['new']} new, {counts['open']} open, "
            f"{counts['overdue']} overdue"
        )
        try:
            # The default connection: EMAIL_TIMEOUT bounds every SMTP step.
            send_mail(
                subject=subject,
                message=render_to_string("enquiries/email/digest.txt", context),
                from_email=None,
                recipient_list=[clinic.enquiry_notification_email],
            )
        except Exception as exc:
            # The type only, as for notifications: SMTP errors quote addresses.
            raise CommandError(f"Digest not sent ({type(exc).__name__}).") from exc
        self.stdout.write(
            f"Digest sent to {clinic.enquiry_notification_email}: "
            f"{counts['new']} new in the last 24 hours, {counts['open']} open, "
            f"{counts['overdue']} overdue, {counts['unsent']} with the "
            "notification unsent."
        )
