"""What each role still has to do about clinical sign-off.

Clinical reviewers: changes waiting for their approval. Content editors:
changes a reviewer sent back. Both: published pages whose review is due
soon, overdue, or that were never reviewed (an editor updates the page, a
reviewer may confirm it unchanged). The admin index and the reminder email
(`send_review_reminders`) read the same lists, so they never disagree.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from treatments.models import Treatment

from . import services
from .models import APPROVE_PERMISSION, Revision, RevisionStatus

EDITOR_GROUP = "Content editors"
EDIT_PERMISSION = "treatments.change_treatment"
# The backend that knows groups and permissions (axes' backend is first).
PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def is_reviewer(user):
    return user.is_active and user.is_staff and user.has_perm(APPROVE_PERMISSION)


def is_editor(user):
    return (
        user.is_active
        and user.is_staff
        and (
            user.has_perm(EDIT_PERMISSION)
            or user.groups.filter(name=EDITOR_GROUP).exists()
        )
    )


def staff_with_roles():
    """Active staff who edit or review: [(user, is_editor, is_reviewer)]."""
    User = get_user_model()
    reviewers = set(
        User.objects.with_perm(APPROVE_PERMISSION, backend=PERMISSION_BACKEND)
        .filter(is_active=True, is_staff=True)
        .values_list("pk", flat=True)
    )
    editors = set(
        User.objects.with_perm(EDIT_PERMISSION, backend=PERMISSION_BACKEND)
        .filter(is_active=True, is_staff=True)
        .values_list("pk", flat=True)
    )
    editors |= set(
        User.objects.filter(
            is_active=True, is_staff=True, groups__name=EDITOR_GROUP
        ).values_list("pk", flat=True)
    )
    users = User.objects.filter(pk__in=reviewers | editors).order_by("pk")
    return [(user, user.pk in editors, user.pk in reviewers) for user in users]


@dataclass
class Item:
    title: str
    url: str  # an admin path
    comment: str = ""  # a sent-back change: the reviewer's comment
    due: date | None = None  # when the page's review is (was) due


@dataclass
class ToDo:
    waiting: list = field(default_factory=list)  # for reviewers
    sent_back: list = field(default_factory=list)  # for editors
    overdue: list = field(default_factory=list)
    never_reviewed: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)

    def __bool__(self):
        return any(
            [
                self.waiting,
                self.sent_back,
                self.overdue,
                self.never_reviewed,
                self.due_soon,
            ]
        )


def _change_url(treatment_pk):
    return reverse("admin:treatments_treatment_change", args=[treatment_pk])


def _review_dates(today):
    """Published pages due within CLINICAL_REVIEW_DUE_SOON_DAYS, overdue,
    and never reviewed (no date, or a date with nobody named)."""
    soon = today + timedelta(days=settings.CLINICAL_REVIEW_DUE_SOON_DAYS)
    published = Treatment.objects.published().order_by("next_review_due", "name")
    overdue, due_soon, never = [], [], []
    unreviewed = Q(last_reviewed__isnull=True) | Q(reviewed_by="")
    for treatment in published.filter(unreviewed).only("pk", "name"):
        never.append(Item(treatment.name, _change_url(treatment.pk)))
    for treatment in (
        published.exclude(unreviewed)
        .filter(next_review_due__lte=soon)
        .only("pk", "name", "next_review_due")
    ):
        due = treatment.next_review_due
        item = Item(treatment.name, _change_url(treatment.pk), due=due)
        (overdue if due < today else due_soon).append(item)
    return overdue, due_soon, never


def for_user(user, today, *, editor=None, reviewer=None):
    """The to-do of `user` (roles worked out unless given)."""
    editor = is_editor(user) if editor is None else editor
    reviewer = is_reviewer(user) if reviewer is None else reviewer
    todo = ToDo()
    if not (editor or reviewer):
        return todo
    todo.overdue, todo.due_soon, todo.never_reviewed = _review_dates(today)
    if reviewer:
        waiting = Revision.objects.pending().select_related("treatment")
        if settings.CLINICAL_REVIEW_FOUR_EYES:
            # A change they saved into waits for someone else (the same rule
            # as the approval: everyone who saved the page since its last
            # approval; one query per waiting change, and few ever wait).
            waiting = waiting.exclude(created_by=user)
        todo.waiting = [
            Item(
                revision.treatment.name,
                reverse("admin:clinical_review_revision_review", args=[revision.pk]),
            )
            for revision in waiting.order_by("created_at", "pk")
            if not (
                settings.CLINICAL_REVIEW_FOUR_EYES
                and user.pk in services.author_ids(revision)
            )
        ]
    if editor:
        todo.sent_back = [
            Item(
                revision.treatment.name,
                _change_url(revision.treatment_id),
                comment=revision.comment,
            )
            for revision in Revision.objects.filter(status=RevisionStatus.SENT_BACK)
            .select_related("treatment")
            .order_by("reviewed_at", "pk")
        ]
    return todo
