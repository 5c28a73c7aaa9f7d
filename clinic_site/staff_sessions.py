"""Signed-in (staff) sessions end after STAFF_SESSION_IDLE_SECONDS without a
request, and STAFF_SESSION_MAX_SECONDS after sign-in, whichever comes first.

Sign-in records its time in the session (`user_logged_in`);
StaffSessionMiddleware then checks both limits on each request of a signed-in
user, signs out with a message once one is past (admin then sends them to its
login page, which shows it), and otherwise sets the session's expiry to what
is left, so the cookie and the session store drop an idle session too.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in

SIGNED_IN_AT = "staff_signed_in_at"
SEEN_AT = "staff_seen_at"


def now() -> float:
    """Seconds since the epoch: the one clock this module reads."""
    return time.time()


def minutes(seconds):
    return f"{seconds // 60} minutes" if seconds < 3600 else hours(seconds)


def hours(seconds):
    count = seconds / 3600
    return f"{count:g} hour{'' if count == 1 else 's'}"


def record_sign_in(sender, request, user, **kwargs):
    at = now()
    request.session[SIGNED_IN_AT] = at
    request.session[SEEN_AT] = at
    request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)


def connect_signals():
    user_logged_in.connect(record_sign_in, dispatch_uid="staff_sessions.sign_in")


def ended(session, at):
    """Why the session is over at time `at`, or None while it may go on."""
    signed_in_at = session.get(SIGNED_IN_AT)
    idle = settings.STAFF_SESSION_IDLE_SECONDS
    longest = settings.STAFF_SESSION_MAX_SECONDS
    if signed_in_at is None or at - signed_in_at >= longest:
        # A session from before sign-in times were kept counts as too old.
        return (
            f"You were signed out: a session lasts {hours(longest)} at most. "
            "Sign in again to go on."
        )
    if at - session.get(SEEN_AT, signed_in_at) >= idle:
        return (
            f"You were signed out after {minutes(idle)} without activity. "
            "Sign in again to go on."
        )
    return None


class StaffSessionMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware. Requests without
    a session cookie (patients reading pages) are left alone: the session is
    never read, so public pages stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated
        ):
            at = now()
            session = request.session
            reason = ended(session, at)
            if reason:
                logout(request)
                messages.warning(request, reason)
            else:
                left = session[SIGNED_IN_AT] + settings.STAFF_SESSION_MAX_SECONDS - at
                session[SEEN_AT] = at
                session.set_expiry(
                    max(1, int(min(settings.STAFF_SESSION_IDLE_SECONDS, left)))
                )
        return self.get_response(request)
