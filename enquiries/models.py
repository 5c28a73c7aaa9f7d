from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from treatments.models import Treatment


class EnquiryStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    CLOSED = "closed", "Closed"


class ContactMethod(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"


class EnquiryQuerySet(models.QuerySet):
    def open(self):
        """Awaiting a first reply."""
        return self.filter(status=EnquiryStatus.NEW)

    def overdue(self, now=None):
        """Open past the clinic's reply promise."""
        return self.open().filter(reply_due_at__lte=now or timezone.now())

    def unsent(self):
        """The clinic has not been emailed about these yet."""
        return self.filter(notification_sent_at__isnull=True)


class Enquiry(models.Model):
    """What a patient sent through the enquiry form. Personal health data:
    never put its message, phone or name into an email, a log line or a URL."""

    Status = EnquiryStatus
    ContactMethod = ContactMethod
    # What the patient fills in, in the order of the form.
    PATIENT_FIELDS = [
        "name",
        "email",
        "phone",
        "preferred_contact",
        "treatment",
        "message",
    ]

    reference = models.CharField(
        max_length=12,
        unique=True,
        editable=False,
        help_text="Given to the patient on the thanks page; quote it on the phone.",
    )
    submission_token = models.UUIDField(
        null=True,
        editable=False,
        help_text="One per form shown, so a double-clicked submit saves once.",
    )
    submission_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="A keyed hash of what was sent with the token: the same form "
        "sent again unchanged saves once; sent again edited, it is a new enquiry.",
    )
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=30, blank=True)
    preferred_contact = models.CharField(
        "preferred contact method",
        max_length=5,
        choices=ContactMethod.choices,
        default=ContactMethod.EMAIL,
    )
    treatment = models.ForeignKey(
        Treatment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enquiries",
        help_text="The treatment the patient asked about, if any. Kept empty "
        "if that treatment is deleted.",
    )
    message = models.TextField(max_length=5000)
    consent_given = models.BooleanField(default=False)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EnquiryStatus.choices, default=EnquiryStatus.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enquiries_owned",
        help_text="The staff member answering this enquiry.",
    )
    created_at = models.DateTimeField("received", auto_now_add=True)
    reply_due_at = models.DateTimeField(
        "reply due",
        null=True,
        blank=True,
        editable=False,
        help_text="By the end of the clinic's promised number of working days.",
    )
    notification_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the clinic was emailed about this enquiry; empty while "
        "the email is still to be sent.",
    )
    notification_claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="A sender is emailing the clinic about this enquiry until "
        "then; a claim left by a sender that died expires and is retried.",
    )
    notification_attempts = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="How many times sending the notification was tried.",
    )

    objects = EnquiryQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had in the treatments app, so existing
        # installs keep every row and old and new code can run side by side.
        db_table = "treatments_enquiry"
        ordering = ["-created_at", "-pk"]
        verbose_name = "enquiry"
        verbose_name_plural = "enquiries"
        indexes = [
            models.Index(fields=["status", "-created_at"], name="enquiry_status_idx"),
            models.Index(fields=["-created_at"], name="enquiry_created_idx"),
            models.Index(
                fields=["reply_due_at"],
                name="enquiry_open_due_idx",
                condition=Q(status="new"),
            ),
            models.Index(
                fields=["notification_sent_at"],
                name="enquiry_unsent_idx",
                condition=Q(notification_sent_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_token", "submission_digest"],
                name="enquiry_submission_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnquiryStatus.values),
                name="enquiry_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(preferred_contact__in=ContactMethod.values),
                name="enquiry_preferred_contact_valid",
            ),
            models.CheckConstraint(
                condition=Q(consent_given=True, consent_given_at__isnull=False),
                name="enquiry_consent_recorded",
            ),
        ]

    def __str__(self):
        return f"Enquiry {self.reference}"


class EnquiryNote(models.Model):
    """A staff note on an enquiry: who wrote it and when. Notes are added,
    never edited, so the record of what was done stays as written."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("written", default=timezone.now)
    text = models.TextField("note", max_length=2000)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "note"
        verbose_name_plural = "notes"

    def __str__(self):
        return f"Note on enquiry {self.enquiry.reference}"


class EnquiryStatusChange(models.Model):
    """Who moved an enquiry to a status, and when."""

    enquiry = models.ForeignKey(
        Enquiry, on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(max_length=10, choices=EnquiryStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = "status change"
        verbose_name_plural = "status history"

    def __str__(self):
        return f"{self.get_status_display()} at {self.changed_at:%Y-%m-%d %H:%M}"


class SubmissionCount(models.Model):
    """Accepted enquiries per client per time window, for the rate limit.

    Counted in the database, in the same transaction as the enquiry itself, so
    every gunicorn worker and every host shares one exact count and a failed
    save never uses up a patient's allowance. The key is a keyed hash of the
    client's IP address, never the address itself.
    """

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "treatments_submissioncount"  # its name before the move
        ordering = ["-window_start"]
        verbose_name = "submission count"
        verbose_name_plural = "submission counts"
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="submissioncount_unique_window"
            ),
        ]

    def __str__(self):
        return f"{self.count} since {self.window_start:%Y-%m-%d %H:%M}"


# Neither model is registered with django-reversion: patients' messages must
# never be copied into history tables.
