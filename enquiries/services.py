"""Writes that matter: creating an enquiry and telling the clinic about it.

Privacy rule for everything here: an enquiry's message, phone number, name and
email never go into an email to the clinic, a log line, a URL or an exception
message. Log the enquiry's database id and the error's type only.
"""

import hashlib
import hmac
import logging
import math
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit import events as audit_events
from clinic.models import ClinicDetails
from clinic.working_days import clinic_calendar, clinic_reply_due, reply_due
from clinic_site.site_url import absolute_url

from .models import Enquiry, EnquiryStatusChange, SubmissionCount

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: easy to read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_ATTEMPTS = 5
# Rate-limit counts (keyed hashes of addresses) are deleted after this long;
# the privacy notice says so.
SUBMISSION_COUNTS_KEPT_DAYS = 1


class RateLimitExceeded(Exception):
    """The client has sent as many enquiries as the limit allows for now.

    `retry_after`: whole seconds until the window ends and it may send again.
    """

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


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
        window_end = _window_start(now) + timedelta(
            seconds=settings.ENQUIRY_RATE_WINDOW_SECONDS
        )
        raise RateLimitExceeded(math.ceil((window_end - now).total_seconds()))


def submission_digest(**fields) -> str:
    """A keyed hash of what the patient sent, to tell a repeat from an edit.

    Keyed with the secret key, so it cannot be matched against guesses, and
    kept only in the enquiry's own row.
    """
    text = "\x1f".join(f"{name}={fields[name]}" for name in sorted(fields))
    return hmac.new(
        settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256
    ).hexdigest()


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
    """Save an enquiry in one transaction; the clinic is emailed later.

    Only for a patient who has given consent (the form requires it): the
    enquiry records it, with the time. The same form sent again unchanged (a
    double click, a reload) returns the first enquiry and saves nothing; sent
    again edited ("back, edit, send") it is a new enquiry with its own
    reference. Raises RateLimitExceeded, saving nothing, when the client is
    over the limit.

    No email is sent here: a patient's request never waits on the mail
    server. `manage.py send_pending_notifications --loop` (a process of its
    own) sends it within seconds.
    """
    fields = {
        "name": name,
        "email": email,
        "phone": phone,
        "preferred_contact": preferred_contact,
        "treatment": treatment.pk if treatment else "",
        "message": message,
    }
    digest = submission_digest(**fields) if submission_token is not None else ""
    same_submission = Enquiry.objects.filter(
        submission_token=submission_token, submission_digest=digest
    )
    if submission_token is not None and (existing := same_submission.first()):
        return existing
    now = timezone.now()
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                _count_submission(client, now)
                return Enquiry.objects.create(
                    reply_due_at=clinic_reply_due(now),
                    reference=_new_reference(),
                    submission_token=submission_token,
                    submission_digest=digest,
                    name=name,
                    email=email,
                    phone=phone,
                    preferred_contact=preferred_contact,
                    treatment=treatment,
                    message=message,
                    consent_given=True,
                    consent_given_at=now,
                )
        except IntegrityError:
            # Either the same form was submitted twice at once (the token and
            # digest are taken) or, very rarely, the random reference was.
            if submission_token is not None and (existing := same_submission.first()):
                return existing
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise


def enquiries_set_status(enquiries, status, *, user) -> list[Enquiry]:
    """Move enquiries to `status`, recording who and when for each one that
    was not in it already. Returns those that changed."""
    changing = [enquiry for enquiry in enquiries if enquiry.status != status]
    now = timezone.now()
    with transaction.atomic():
        Enquiry.objects.filter(pk__in=[e.pk for e in changing]).update(status=status)
        EnquiryStatusChange.objects.bulk_create(
            EnquiryStatusChange(
                enquiry=enquiry, status=status, changed_by=user, changed_at=now
            )
            for enquiry in changing
        )
    for enquiry in changing:
        enquiry.status = status
    return changing


def enquiries_recompute_reply_due() -> int:
    """Open enquiries' reply due times again, after the clinic's promise or
    closed days changed. Returns how many moved."""
    open_enquiries = list(
        Enquiry.objects.open().only("pk", "created_at", "reply_due_at")
    )
    if not open_enquiries:
        return 0
    oldest = min(timezone.localtime(e.created_at).date() for e in open_enquiries)
    days, closed = clinic_calendar(oldest)
    moved = []
    for enquiry in open_enquiries:
        due = reply_due(enquiry.created_at, days, closed)
        if due != enquiry.reply_due_at:
            enquiry.reply_due_at = due
            moved.append(enquiry)
    Enquiry.objects.bulk_update(moved, ["reply_due_at"], batch_size=500)
    return len(moved)


def enquiry_admin_url(enquiry: Enquiry) -> str:
    path = reverse("admin:enquiries_enquiry_change", args=[enquiry.pk])
    return absolute_url(path)


def _pending():
    """Enquiries whose notification is unsent and not claimed by a live sender."""
    now = timezone.now()
    return Enquiry.objects.filter(notification_sent_at__isnull=True).filter(
        Q(notification_claimed_until__isnull=True)
        | Q(notification_claimed_until__lt=now)
    )


def enquiry_notify(enquiry_id: int) -> bool:
    """Email the clinic that an enquiry arrived. True if this call sent it.

    The row is claimed first with a conditional UPDATE that sets a lease
    (NOTIFICATION_LEASE_SECONDS, longer than EMAIL_TIMEOUT), so two senders at
    once never both send, and a claim whose sender died (killed mid-send)
    expires and is retried. Only a completed send sets notification_sent_at;
    a failed one releases the claim and the enquiry stays pending.
    """
    lease_until = timezone.now() + timedelta(
        seconds=settings.NOTIFICATION_LEASE_SECONDS
    )
    claimed = (
        _pending()
        .filter(pk=enquiry_id)
        .update(
            notification_claimed_until=lease_until,
            notification_attempts=F("notification_attempts") + 1,
        )
    )
    if not claimed:
        return False
    mine = Enquiry.objects.filter(pk=enquiry_id, notification_claimed_until=lease_until)
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
        mine.update(notification_claimed_until=None)
        attempts = Enquiry.objects.filter(pk=enquiry_id).values_list(
            "notification_attempts", flat=True
        )
        # The type only: SMTP errors can quote addresses.
        logger.warning(
            "Notification for enquiry id=%s not sent (%s, attempt %s); "
            "it stays pending.",
            enquiry_id,
            type(exc).__name__,
            attempts.first(),
        )
        return False
    mine.update(notification_sent_at=timezone.now(), notification_claimed_until=None)
    logger.info("Notification for enquiry id=%s sent.", enquiry_id)
    return True


def enquiries_notify_pending(*, limit: int = 500) -> tuple[int, int]:
    """Send what is pending, oldest first. Returns (sent, still unsent)."""
    pending = list(
        _pending().order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    sent = sum(enquiry_notify(pk) for pk in pending)
    return sent, Enquiry.objects.filter(notification_sent_at__isnull=True).count()


def enquiries_purge(*, older_than_days: int) -> int:
    """Delete enquiries received more than `older_than_days` ago; return how many.

    Also drops rate-limit counts older than SUBMISSION_COUNTS_KEPT_DAYS, and
    audit events as old as the enquiries they name.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    _, deleted_by_model = Enquiry.objects.filter(created_at__lt=cutoff).delete()
    SubmissionCount.objects.filter(
        window_start__lt=timezone.now() - timedelta(days=SUBMISSION_COUNTS_KEPT_DAYS)
    ).delete()
    audit_events.purge(older_than_days)
    return deleted_by_model.get(Enquiry._meta.label, 0)
