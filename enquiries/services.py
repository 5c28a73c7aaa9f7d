"""Writes that matter: creating an enquiry and telling the clinic about it.

Privacy rule for everything here: an enquiry's message, phone number, name and
email never go into an email to the clinic, a log line, a URL or an exception
message. Log the enquiry's database id and the error's type only.
"""

import logging
import secrets
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicDetails
from clinic_site.site_url import absolute_url

from .models import Enquiry, SubmissionCount

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: easy to read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_ATTEMPTS = 5
# Rate-limit counts (keyed hashes of addresses) are deleted after this long;
# the privacy notice says so.
SUBMISSION_COUNTS_KEPT_DAYS = 1


class RateLimitExceeded(Exception):
    """The client has sent as many enquiries as the limit allows for now."""


def _new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def _window_start(now: datetime) -> datetime:
    seconds = settings.ENQUIRY_RATE_WINDOW_SECONDS
    return datetime.fromtimestamp(now.timestamp() // seconds * seconds, tz=now.tzinfo)


def _count_submission(key: str, now: datetime) -> None:
    """Add one to the client's count for this window, or raise if it is full.

    The conditional UPDATE is atomic on SQLite and PostgreSQL alike, so
    concurrent requests from every worker and host can never exceed the limit.
    """
    counter, _ = SubmissionCount.objects.get_or_create(
        key=key, window_start=_window_start(now)
    )
    added = SubmissionCount.objects.filter(
        pk=counter.pk, count__lt=settings.ENQUIRY_RATE_LIMIT
    ).update(count=F("count") + 1)
    if not added:
        raise RateLimitExceeded


def enquiry_create(
    *,
    name: str,
    email: str,
    message: str,
    client: str,
    phone: str = "",
    preferred_contact: str = Enquiry.ContactMethod.EMAIL,
    treatment=None,
    submission_token=None,
) -> Enquiry:
    """Save an enquiry in one transaction and notify the clinic after commit.

    Only for a patient who has given consent (the form requires it): the
    enquiry records it, with the time. A second call with the same
    `submission_token` (a double-clicked submit) returns the first enquiry and
    saves nothing. Raises RateLimitExceeded, saving nothing, when the client
    is over the limit.
    """
    if submission_token is not None:
        existing = Enquiry.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            return existing
    now = timezone.now()
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                _count_submission(client, now)
                enquiry = Enquiry.objects.create(
                    reference=_new_reference(),
                    submission_token=submission_token,
                    name=name,
                    email=email,
                    phone=phone,
                    preferred_contact=preferred_contact,
                    treatment=treatment,
                    message=message,
                    consent_given=True,
                    consent_given_at=now,
                )
                transaction.on_commit(partial(enquiry_notify, enquiry.pk))
            return enquiry
        except IntegrityError:
            # Either the same form was submitted twice at once (the token is
            # taken) or, very rarely, the random reference was.
            if submission_token is not None:
                existing = Enquiry.objects.filter(
                    submission_token=submission_token
                ).first()
                if existing is not None:
                    return existing
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise


def enquiry_admin_url(enquiry: Enquiry) -> str:
    path = reverse("admin:enquiries_enquiry_change", args=[enquiry.pk])
    return absolute_url(path)


def enquiry_notify(enquiry_id: int) -> bool:
    """Email the clinic that an enquiry arrived. True if this call sent it.

    The row is claimed with a conditional UPDATE first, so two senders at once
    (the after-commit hook and the cron command, or two crons) never both send.
    If sending fails the claim is released and the enquiry stays pending.
    """
    claimed_at = timezone.now()
    claimed = Enquiry.objects.filter(
        pk=enquiry_id, notification_sent_at__isnull=True
    ).update(notification_sent_at=claimed_at)
    if not claimed:
        return False
    try:
        enquiry = Enquiry.objects.select_related("treatment").get(pk=enquiry_id)
        clinic = ClinicDetails.load()
        if clinic is None:
            raise LookupError("no clinic details: nowhere to send the notification")
        context = {"enquiry": enquiry, "admin_url": enquiry_admin_url(enquiry)}
        send_mail(
            subject=f"New enquiry {enquiry.reference}",
            message=render_to_string(
                "enquiries/email/enquiry_notification.txt", context
            ),
            from_email=None,
            recipient_list=[clinic.enquiry_notification_email],
        )
    except Exception as exc:
        Enquiry.objects.filter(pk=enquiry_id, notification_sent_at=claimed_at).update(
            notification_sent_at=None
        )
        # The type only: SMTP errors can quote addresses.
        logger.warning(
            "Notification for enquiry id=%s not sent (%s); it stays pending.",
            enquiry_id,
            type(exc).__name__,
        )
        return False
    logger.info("Notification for enquiry id=%s sent.", enquiry_id)
    return True


def enquiries_notify_pending(*, limit: int = 500) -> tuple[int, int]:
    """Send what is pending, oldest first. Returns (sent, still pending)."""
    pending = list(
        Enquiry.objects.filter(notification_sent_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(enquiry_notify(pk) for pk in pending)
    return sent, Enquiry.objects.filter(notification_sent_at__isnull=True).count()


def enquiries_purge(*, older_than_days: int) -> int:
    """Delete enquiries received more than `older_than_days` ago; return how many.

    Also drops rate-limit counts older than SUBMISSION_COUNTS_KEPT_DAYS.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    _, deleted_by_model = Enquiry.objects.filter(created_at__lt=cutoff).delete()
    SubmissionCount.objects.filter(
        window_start__lt=timezone.now() - timedelta(days=SUBMISSION_COUNTS_KEPT_DAYS)
    ).delete()
    return deleted_by_model.get(Enquiry._meta.label, 0)
