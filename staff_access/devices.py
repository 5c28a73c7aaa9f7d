"""Staff members' second-factor devices (django-otp): one authenticator app
(TOTP) and one set of printed backup codes each."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_number_token

from audit import events
from audit.models import Action

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODES = 10
# Digits only, like the app's codes (one numeric keypad on a phone for both),
# and longer, so the two are told apart: 6 digits from the app, 8 on paper.
BACKUP_CODE_DIGITS = 8


def app_device(user):
    """The staff member's confirmed authenticator app, or None."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def backup_device(user):
    return StaticDevice.objects.devices_for_user(user, confirmed=True).first()


def new_app_device(user):
    """A fresh, unconfirmed key for the set-up step; any earlier unconfirmed
    key is dropped (whoever saw it never gets a key someone else confirms)."""
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_app_device(device):
    """Make `device` the staff member's only app, with new backup codes."""
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user_id=device.user_id).delete()
    backup = StaticDevice.objects.create(
        user_id=device.user_id, name=BACKUP_DEVICE_NAME
    )
    codes = set()
    while len(codes) < BACKUP_CODES:
        codes.add(random_number_token(BACKUP_CODE_DIGITS))
    StaticToken.objects.bulk_create(
        StaticToken(device=backup, token=code) for code in sorted(codes)
    )


def backup_codes(user):
    """The backup codes not used yet."""
    return list(
        StaticToken.objects.filter(device__user=user)
        .order_by("pk")
        .values_list("token", flat=True)
    )


def key_text(device):
    """The key as an authenticator app asks for it typed in: base32, in
    groups of 4."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_data_uri(device):
    """The device's otpauth:// address as a QR code, an SVG data: URI for an
    <img> (the CSP's img-src allows data:; no inline SVG, no outside service)."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        border=4,
    )
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@transaction.atomic
def reset_two_factor(user, *, by=None, request=None):
    """Delete every device of `user`: they set up an app again at their next
    sign-in, and a session they have open stops passing the second factor.
    Recorded in the audit trail. Returns how many devices were deleted."""
    deleted = 0
    for model in (TOTPDevice, StaticDevice):
        deleted += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    events.record(
        request,
        Action.DEVICE_RESET,
        actor=by,
        detail=f"for {user.get_username()}"
        + ("" if request is not None else " (manage.py reset_two_factor)"),
    )
    return deleted
