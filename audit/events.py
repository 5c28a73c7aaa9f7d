"""Recording what staff do: the one way into the audit trail.

Other apps call record(); sign-ins and failed sign-ins are recorded from
Django's auth signals. An enquiry is named by its reference only, so nothing
a patient wrote reaches the trail.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.utils import timezone

from clinic_site.client import client_ip

from .models import Action, AuditEvent

DETAIL_MAX = AuditEvent._meta.get_field("detail").max_length
USERNAME_MAX = AuditEvent._meta.get_field("actor_username").max_length
# Rows written per INSERT when an export names many enquiries.
BATCH_SIZE = 500

# The `sender` of a user_login_failed signal for a wrong second-factor code
# (staff_access), recorded as SECOND_FACTOR_FAILED, not as a wrong password.
SECOND_FACTOR = "second factor"


def record(
    request,
    action,
    *,
    enquiry=None,
    enquiries=None,
    count=None,
    detail="",
    actor=None,
):
    """Record that `actor` (default: the signed-in user) did `action`.

    `enquiry`: the one enquiry it concerned. `enquiries`: an iterable or
    QuerySet of the enquiries it concerned (an export): one event per
    enquiry, so filtering by reference finds it, each with `count` (default:
    how many there were). `request` may be None (a management command): no
    address then. `detail` is short staff-facing text, never patient data.
    Returns the events written.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    common = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": actor.get_username()[:USERNAME_MAX] if actor else "",
        "action": Action(action),
        "ip": client_ip(request) if request is not None else None,
        "detail": str(detail)[:DETAIL_MAX],
    }
    if enquiries is None:
        references = [enquiry.reference] if enquiry is not None else [""]
    elif hasattr(enquiries, "values_list"):
        # Only the references are read: not one patient field.
        references = list(enquiries.values_list("reference", flat=True))
    else:
        references = [e.reference for e in enquiries]
    if enquiries is not None and count is None:
        count = len(references)
    if not references:
        references = [""]  # an export of nothing is still an export
    events = [
        AuditEvent(enquiry_reference=reference, count=count, **common)
        for reference in references
    ]
    return AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)


def purge(older_than_days: int) -> int:
    """Delete events older than `older_than_days`; return how many.

    Called by purge_enquiries with the enquiries' retention, so the trail is
    kept exactly as long as what it names.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def signed_in(sender, request, user, **kwargs):
    record(request, Action.SIGNED_IN, actor=user)


def sign_in_failed(sender, credentials, request=None, **kwargs):
    """A wrong password (Django's authenticate) or a wrong code (staff_access).

    Records the username as typed (staff data, never patient data), and the
    account when one has that username. The credentials Django sends have the
    password masked; nothing else of them is kept.
    """
    username = str(credentials.get("username", ""))[:USERNAME_MAX]
    account = get_user_model()._default_manager.filter(username=username).first()
    common = {
        "actor_id": account.pk if account else None,
        "actor_username": username,
        "ip": client_ip(request) if request is not None else None,
    }
    if sender == SECOND_FACTOR:
        action = Action.SECOND_FACTOR_FAILED
        detail = str(credentials.get("reason", ""))[:DETAIL_MAX]
    else:
        action = Action.SIGN_IN_FAILED
        detail = ""
    AuditEvent.objects.create(action=action, detail=detail, **common)


def connect_signals():
    """Called from AuditConfig.ready()."""
    user_logged_in.connect(signed_in, dispatch_uid="audit.signed_in")
    user_login_failed.connect(sign_in_failed, dispatch_uid="audit.sign_in_failed")
