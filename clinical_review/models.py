"""Clinical sign-off: content editors write, clinical reviewers approve.

A change to a live treatment page is kept as a `Revision` (the whole page as
a document, `documents.py`) until a reviewer approves it; only then is it
written to the treatment's own rows, which are what the public page reads.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

# Who may approve (the "Clinical reviewers" group holds it).
APPROVE_PERMISSION = "clinical_review.approve_revision"


class ReviewerProfile(models.Model):
    """How a clinical reviewer is named to patients: “Dr A. Example,
    Consultant in Sports Medicine”."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviewer_profile",
    )
    display_name = models.CharField(
        max_length=100,
        help_text="As patients read it, e.g. “Dr A. Example”.",
    )
    role = models.CharField(
        "role or profession",
        max_length=150,
        help_text="E.g. “Consultant in Sports Medicine” or “Physiotherapist”.",
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text="Optional: their entry on the team page.",
    )

    class Meta:
        verbose_name = "clinical reviewer"
        verbose_name_plural = "clinical reviewers"

    def __str__(self):
        return self.public_line

    @property
    def public_line(self):
        return f"{self.display_name}, {self.role}"


class RevisionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    SENT_BACK = "sent_back", "Sent back"
    REPLACED = "replaced", "Replaced by a later change"
    DRAFT = "draft", "Saved as a draft (not public)"


class RevisionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=RevisionStatus.PENDING)

    def open(self):
        """Changes still waiting on someone: a reviewer or the editor."""
        return self.filter(
            status__in=[RevisionStatus.PENDING, RevisionStatus.SENT_BACK]
        )


class Revision(models.Model):
    """One saved state of a treatment page, and what happened to it."""

    Status = RevisionStatus

    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.CASCADE, related_name="revisions"
    )
    # The whole page (documents.document()): fields, points, questions,
    # sources, related treatments.
    document = models.JSONField()
    status = models.CharField(
        max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    restored_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A reviewer's decision.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # The public line as it was when approved ("Dr A. Example, ...").
    reviewer_line = models.CharField(max_length=260, blank=True)
    unchanged = models.BooleanField(
        default=False, help_text="Approved as “reviewed, no changes”."
    )
    change_note = models.CharField(
        "what changed (public)",
        max_length=300,
        blank=True,
        help_text="Shown to patients under the review line.",
    )
    comment = models.TextField(
        "comment for the editor", blank=True, help_text="Why it was sent back."
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "page revision"
        verbose_name_plural = "page revisions"
        permissions = [("approve_revision", "Can approve changes to treatment pages")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RevisionStatus.values),
                name="revision_status_valid",
            ),
            # One change waits at a time: a new save replaces the last one.
            models.UniqueConstraint(
                fields=["treatment"],
                condition=Q(status="pending"),
                name="revision_one_pending_per_treatment",
            ),
        ]
        indexes = [models.Index(fields=["treatment", "-created_at"])]

    def __str__(self):
        return f"{self.treatment} · {self.created_at:%d %b %Y %H:%M}"
