"""Signing in in two steps: password, then a code.

A right password does not sign in: it leaves the staff member "half signed
in" in an anonymous session (who, which backend, where to go next, since
when) until a code from their authenticator app or a backup code is right.
Only then does Django's login() run, so `user_logged_in` fires once, for a
whole sign-in: the session's sign-in time (staff_sessions), the audit trail,
and django-axes, which clears failures only then (a right password never
clears the failed codes before it).

A wrong code counts as a failed sign-in for django-axes (Django's
user_login_failed signal, sent as SECOND_FACTOR), so the lockout tiers cover
both steps together.
"""

import re
import time

from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.oath import TOTP

from audit.events import SECOND_FACTOR

from . import devices

PENDING = "staff_access_pending"
# A half sign-in lasts this long: time to find the phone or the codes.
PENDING_SECONDS = 10 * 60
# Steps of 30 s either side of now in which a wrong code is named "expired"
# (or from a phone whose clock is off) rather than simply wrong.
EXPIRED_STEPS = 20

APP_CODE = re.compile(r"[0-9]{6}")
BACKUP_CODE = re.compile(f"[0-9]{{{devices.BACKUP_CODE_DIGITS}}}")


def now():
    return time.time()


def begin(request, user, next_url):
    """The password was right: remember who, until the code step."""
    request.session.cycle_key()
    pending = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": now(),
    }
    if devices.app_device(user) is None:
        pending["new_device"] = devices.new_app_device(user).pk
    request.session[PENDING] = pending


def pending(request):
    """(user, state) of the half sign-in in this session, or (None, None):
    none, expired, or the account was since made inactive or not staff."""
    state = request.session.get(PENDING)
    if not state or now() - state["at"] > PENDING_SECONDS:
        return None, None
    user = (
        get_user_model()
        ._default_manager.filter(pk=state["user"], is_active=True, is_staff=True)
        .first()
    )
    return (user, state) if user else (None, None)


def abandon(request):
    request.session.pop(PENDING, None)


def finish(request, user, state, device):
    """Both factors passed: sign in, with `device` as the session's proof."""
    auth_login(request, user, backend=state["backend"])
    otp_login(request, device)
    abandon(request)


def normalise(code):
    """What was typed or pasted, without spaces (as apps and paper show it)."""
    return "".join(code.split())


class Refused(Exception):
    """A code that was refused; `reason` (short, for the audit trail) and a
    message for the staff member."""

    def __init__(self, reason, message, counts=True):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.counts = counts


def check(user, code):
    """The device that accepts `code` (6 digits: the app; 8: a backup code),
    or Refused saying why not."""
    if APP_CODE.fullmatch(code):
        device = devices.app_device(user)
        if device is None:
            raise Refused("no app", "Sign-in with an app code is not set up.")
        return verify_app_code(user, device, code)
    if BACKUP_CODE.fullmatch(code):
        device = devices.backup_device(user)
        if device is not None:
            throttled(device)
            if verify_token(user, device.persistent_id, code):
                return device
        raise Refused(
            "wrong backup code",
            "That backup code is not right, or it has been used already: "
            "each backup code works once.",
        )
    raise Refused(
        "not a code",
        "Enter the 6-digit code your authenticator app shows now, or one of "
        "your 8-digit backup codes.",
        counts=False,
    )


def verify_app_code(user, device, code):
    """The device if `code` is right for it (an app, confirmed or being set
    up), else Refused saying whether it was wrong, used already or too old."""
    throttled(device)
    verified = verify_token(user, device.persistent_id, code)
    if verified:
        return verified
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.verify(int(code), device.tolerance):
        raise Refused(
            "code used already",
            "That code has been used already. Wait for your app to show a "
            "new code, then enter that.",
        )
    if totp.verify(int(code), EXPIRED_STEPS):
        raise Refused(
            "code expired",
            "That code has expired: codes change every 30 seconds. Enter the "
            "code your app shows now. If this keeps happening, set your phone "
            "to take its time from the network.",
        )
    raise Refused(
        "wrong code",
        "That code is not right. Enter the code your authenticator app shows "
        "now for Clinic staff admin.",
    )


def throttled(device):
    """django-otp's own back-off after wrong codes (1, 2, 4 ... seconds)."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        wait = max(1, round(info["locked_until"].timestamp() - now()))
        raise Refused(
            "too fast",
            f"Too many wrong codes in a row. Wait {wait} second"
            f"{'' if wait == 1 else 's'}, then enter the code shown then.",
            counts=False,
        )


def failed(request, user, reason):
    """A wrong code: a failed sign-in for django-axes and the audit trail."""
    user_login_failed.send(
        sender=SECOND_FACTOR,
        credentials={"username": user.get_username(), "reason": reason},
        request=request,
    )
