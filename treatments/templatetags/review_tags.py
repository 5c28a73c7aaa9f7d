"""The clinical review to-do on the admin index (clinical_review.todo)."""

from django import template
from django.conf import settings
from django.utils import timezone

from clinical_review import todo

register = template.Library()


@register.inclusion_tag("treatments/admin/review_todo.html", takes_context=True)
def review_todo(context):
    """Each role its own list: reviewers the changes waiting for approval,
    editors the changes sent back; both the pages due soon, overdue or never
    reviewed. Nothing for staff who neither edit nor review."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"shown": False}
    editor, reviewer = todo.is_editor(user), todo.is_reviewer(user)
    if not (editor or reviewer):
        return {"shown": False}
    return {
        "shown": True,
        "editor": editor,
        "reviewer": reviewer,
        "todo": todo.for_user(
            user, timezone.localdate(), editor=editor, reviewer=reviewer
        ),
        "due_soon_days": settings.CLINICAL_REVIEW_DUE_SOON_DAYS,
    }
