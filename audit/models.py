from django.conf import settings
from django.db import models
from django.db.models import Q


class Action(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed (password)"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Sign-in failed (code)"
    DEVICE_SET_UP = "device_set_up", "Set up two-factor sign-in"
    DEVICE_RESET = "device_reset", "Reset two-factor sign-in"
    VIEWED_ENQUIRY = "viewed_enquiry", "Viewed an enquiry"
    EXPORTED_ENQUIRIES = "exported_enquiries", "Exported enquiries"
    CHANGED_STATUS = "changed_status", "Changed an enquiry's status"
    CHANGED_OWNER = "changed_owner", "Changed an enquiry's owner"
    ADDED_NOTE = "added_note", "Added a note to an enquiry"
    DATA_REQUEST_EXPORTED = "data_request_exported", "Exported a patient's data"
    DATA_REQUEST_ERASED = "data_request_erased", "Erased a patient's data"


class AuditEvent(models.Model):
    """One thing a staff member did (or tried). Names an enquiry by its
    reference only: never a patient's name, email, phone or message."""

    Action = Action

    at = models.DateTimeField("when", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="staff member",
        help_text="Empty once the account is deleted; the username stays.",
    )
    actor_username = models.CharField(
        "username",
        max_length=150,
        blank=True,
        help_text="As signed in, or as typed on a failed sign-in.",
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    enquiry_reference = models.CharField(
        "enquiry",
        max_length=12,
        blank=True,
        db_index=True,
        help_text="The enquiry's reference (not a link: kept after the "
        "enquiry is purged).",
    )
    count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many enquiries an export or an erasure covered.",
    )
    ip = models.GenericIPAddressField("address", null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit event"
        verbose_name_plural = "audit events"
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=Action.values), name="audit_action_valid"
            ),
        ]

    def __str__(self):
        who = self.actor_username or "someone"
        return f"{who}: {self.get_action_display()}"
