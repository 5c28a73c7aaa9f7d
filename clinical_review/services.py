"""The sign-off rules, in one place: admin, commands and tests go through these.

- A change to a live page (or a draft's first publication) is `submit`ted as
  a pending revision; the page keeps its approved rows until `approve`.
- Only a clinical reviewer (APPROVE_PERMISSION, with a ReviewerProfile for
  the public line) approves, and never their own change while
  settings.CLINICAL_REVIEW_FOUR_EYES is on.
- Approving writes the document to the page's rows and sets the review
  fields; nobody types them.
"""

import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from treatments.models import Treatment

from . import documents
from .models import APPROVE_PERMISSION, ReviewerProfile, Revision, RevisionStatus


class SignOffRefused(PermissionDenied):
    """A rule of the sign-off said no; the message says which, for staff."""


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def needs_sign_off(live_status, new_status):
    """Whether a save reaches patients: the page is live, or will be."""
    return Treatment.Status.PUBLISHED in (live_status, new_status)


def waiting(treatment):
    """The change waiting on a reviewer or the editor, if any (newest)."""
    return treatment.revisions.open().order_by("-created_at", "-pk").first()


@transaction.atomic
def submit(treatment, doc, user, *, restored_from=None):
    """Keep `doc` as the page's pending revision (replacing one that waited)."""
    Treatment.objects.select_for_update().filter(pk=treatment.pk).first()
    treatment.revisions.open().update(status=RevisionStatus.REPLACED)
    return Revision.objects.create(
        treatment=treatment,
        document=doc,
        status=RevisionStatus.PENDING,
        created_by=user,
        restored_from=restored_from,
    )


@transaction.atomic
def record_draft(treatment, user):
    """History of a draft's own saves (not public, nothing to approve). A
    request to publish it that was waiting is withdrawn: it holds the draft
    as it was before this save."""
    treatment.revisions.open().update(status=RevisionStatus.REPLACED)
    return Revision.objects.create(
        treatment=treatment,
        document=documents.document(treatment),
        status=RevisionStatus.DRAFT,
        created_by=user,
    )


def reviewer_profile(user):
    return ReviewerProfile.objects.filter(user=user).first()


def check_can_approve(user, revision=None):
    """Raise SignOffRefused unless `user` may approve `revision` (or confirm
    an unchanged page when `revision` is None)."""
    if not (user.is_active and user.is_staff and user.has_perm(APPROVE_PERMISSION)):
        raise SignOffRefused("Only clinical reviewers can approve pages.")
    if reviewer_profile(user) is None:
        raise SignOffRefused(
            "Your name and role for the public “Reviewed by” line are not set: "
            "ask an administrator to add you under Clinical reviewers."
        )
    if (
        revision is not None
        and settings.CLINICAL_REVIEW_FOUR_EYES
        and user.pk in author_ids(revision)
    ):
        raise SignOffRefused(
            "You made this change, so another clinical reviewer must approve it "
            "(four-eyes rule)."
        )


def approval_refusal(user, revision=None):
    """Why `user` may not approve (check_can_approve's message), or None."""
    try:
        check_can_approve(user, revision)
    except SignOffRefused as refusal:
        return str(refusal)
    return None


def author_ids(revision):
    """Everyone whose saves went into `revision`: whoever saved the page
    (a draft's saves, changes replaced or sent back, restores) since its last
    approval, up to this revision. Four-eyes refuses all of them, so another
    account's small edit or a restore cannot make an author its approver."""
    earlier = revision.treatment.revisions.filter(created_at__lte=revision.created_at)
    last_approval = (
        earlier.filter(status=RevisionStatus.APPROVED)
        .exclude(pk=revision.pk)
        .order_by("-reviewed_at")
        .values_list("reviewed_at", flat=True)
        .first()
    )
    if last_approval is not None:
        earlier = earlier.filter(created_at__gt=last_approval)
    # An approval is nobody's writing ("reviewed, no changes" is recorded by
    # its reviewer a moment after its own review time).
    earlier = earlier.exclude(status=RevisionStatus.APPROVED)
    ids = set(earlier.values_list("created_by_id", flat=True))
    ids.add(revision.created_by_id)
    ids.discard(None)
    return ids


def review_base(treatment):
    """What a waiting change is compared with: the page as patients see it;
    for a page not public now, what was last approved for them, or nothing at
    all (a first publication: every word is new to the reviewer)."""
    if treatment.status == Treatment.Status.PUBLISHED:
        return documents.document(treatment)
    approved = (
        treatment.revisions.filter(status=RevisionStatus.APPROVED)
        .order_by("-reviewed_at")
        .first()
    )
    return approved.document if approved is not None else documents.empty()


def _signed_off(treatment, reviewer, note, today, *, changed=True):
    """The review fields; a "what changed" note for patients only when the
    page did change (a "reviewed, no changes" note stays in the history)."""
    profile = reviewer_profile(reviewer)
    treatment.last_reviewed = today
    treatment.next_review_due = add_months(today, treatment.review_interval_months)
    treatment.reviewed_by = profile.public_line
    if note and changed:
        treatment.change_note = note
        treatment.changed_on = today
    treatment.save(
        update_fields=[
            "last_reviewed",
            "next_review_due",
            "reviewed_by",
            "change_note",
            "changed_on",
            "updated_at",
        ]
    )
    return profile.public_line


@transaction.atomic
def approve(revision, reviewer, note=""):
    """Publish the revision's document and sign the page off."""
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    check_can_approve(reviewer, revision)
    if revision.status != RevisionStatus.PENDING:
        raise SignOffRefused(
            f"This change is “{revision.get_status_display()}”: only a change "
            "waiting for approval can be approved."
        )
    treatment = Treatment.objects.select_for_update().get(pk=revision.treatment_id)
    try:
        documents.apply(treatment, revision.document)
    except ValidationError as error:
        raise SignOffRefused(
            "This change cannot be published as it is ("
            + "; ".join(error.messages)
            + "). Send it back to the editor."
        ) from error
    today = timezone.localdate()
    revision.reviewer_line = _signed_off(treatment, reviewer, note.strip(), today)
    revision.status = RevisionStatus.APPROVED
    revision.reviewed_by = reviewer
    revision.reviewed_at = timezone.now()
    revision.change_note = note.strip()
    revision.save()
    return revision


@transaction.atomic
def approve_unchanged(treatment, reviewer, note=""):
    """“Reviewed, no changes”: the live page, checked again."""
    check_can_approve(reviewer)
    treatment = Treatment.objects.select_for_update().get(pk=treatment.pk)
    if treatment.status != Treatment.Status.PUBLISHED:
        raise SignOffRefused("Only a published page can be confirmed unchanged.")
    today = timezone.localdate()
    line = _signed_off(treatment, reviewer, note.strip(), today, changed=False)
    return Revision.objects.create(
        treatment=treatment,
        document=documents.document(treatment),
        status=RevisionStatus.APPROVED,
        unchanged=True,
        created_by=reviewer,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        reviewer_line=line,
        change_note=note.strip(),
    )


@transaction.atomic
def send_back(revision, reviewer, comment):
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if not (reviewer.is_active and reviewer.has_perm(APPROVE_PERMISSION)):
        raise SignOffRefused("Only clinical reviewers can send changes back.")
    if revision.status != RevisionStatus.PENDING:
        raise SignOffRefused("Only a change waiting for approval can be sent back.")
    if not comment.strip():
        raise SignOffRefused("Say what the editor should change.")
    revision.status = RevisionStatus.SENT_BACK
    revision.comment = comment.strip()
    revision.reviewed_by = reviewer
    revision.reviewed_at = timezone.now()
    revision.save()
    return revision


def restore(revision, user):
    """An earlier version, as a new pending revision: a restore is reviewed
    like any other change."""
    if revision.status in (RevisionStatus.PENDING, RevisionStatus.SENT_BACK):
        raise SignOffRefused(
            "This change is still waiting: open the page's form to work on it."
        )
    doc = revision.document
    treatment = revision.treatment
    if not needs_sign_off(treatment.status, doc["fields"]["status"]):
        with transaction.atomic():
            documents.apply(treatment, doc)
            return record_draft(treatment, user)
    return submit(treatment, doc, user, restored_from=revision)


@transaction.atomic
def record_condition_review(condition, reviewer):
    """A clinical reviewer checked a condition's names and description: its
    page then says who and when (conditions are edited directly; only the
    review is theirs to record)."""
    check_can_approve(reviewer)
    condition.last_reviewed = timezone.localdate()
    condition.reviewed_by = reviewer_profile(reviewer).public_line
    condition.save(update_fields=["last_reviewed", "reviewed_by", "updated_at"])
    return condition


@transaction.atomic
def unpublish(treatment):
    """Hide a page (no approval needed: patients see nothing new). A change
    waiting for approval is withdrawn: approving it would publish it again."""
    treatment.status = Treatment.Status.DRAFT
    treatment.save(update_fields=["status", "updated_at"])
    treatment.revisions.open().update(status=RevisionStatus.REPLACED)
