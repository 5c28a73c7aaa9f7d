"""Staff sessions: 30 minutes idle, 8 hours at most (both configurable), and
expired sessions cleared by cron. The clock is staff_sessions.now, moved by
the tests; nothing sleeps."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import get_commands
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic_site import staff_sessions
from tests.factories import StaffFactory
from tests.helpers import app_code, run_settings, soup

pytestmark = pytest.mark.django_db

MINUTE = 60
HOUR = 60 * MINUTE
ADMIN = "/admin/"
LOGIN = "/admin/login/"


class Clock:
    def __init__(self):
        self.at = 1_800_000_000.0

    def advance(self, seconds):
        self.at += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(staff_sessions, "now", lambda: clock.at)
    return clock


@pytest.fixture
def signed_in(client, clock):
    """A content editor signed in through the admin login page at clock.at:
    the password, then a code from their app."""
    editor = StaffFactory(username="editor", password="pw", groups=["Content editors"])
    device = TOTPDevice.objects.create(user=editor, name="Authenticator app")
    client.post(LOGIN, {"username": "editor", "password": "pw", "next": ADMIN})
    response = client.post("/admin/sign-in/code/", {"code": app_code(device)})
    assert response.status_code == 302
    return response


def session_cookie_age(response):
    return int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"])


def assert_signed_out_with(client, response, text):
    """`response` signed the user out and sent them to the login page, which
    says `text`."""
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")
    assert "_auth_user_id" not in client.session
    page = soup(client.get(response.url))
    notes = [li.get_text(" ", strip=True) for li in page.select(".messagelist li")]
    assert any(text in note for note in notes), notes


def test_sign_in_gives_a_30_minute_session(client, signed_in):
    assert session_cookie_age(signed_in) == 30 * MINUTE
    assert client.session.get_expiry_age() == 30 * MINUTE
    # The session store forgets it then too, not only the browser.
    stored = Session.objects.get(session_key=client.session.session_key)
    left = stored.expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_each_request_moves_the_idle_expiry_on(client, signed_in, clock):
    for _ in range(3):
        clock.advance(29 * MINUTE)
        response = client.get(ADMIN)
        assert response.status_code == 200
        assert session_cookie_age(response) == 30 * MINUTE


def test_30_minutes_idle_signs_staff_out_with_a_message(client, signed_in, clock):
    clock.advance(10 * MINUTE)
    assert client.get(ADMIN).status_code == 200
    clock.advance(30 * MINUTE)
    response = client.get(ADMIN)
    assert_signed_out_with(client, response, "after 30 minutes without activity")


def test_a_session_ends_8_hours_after_sign_in_however_active(client, signed_in, clock):
    for _ in range(23):
        clock.advance(20 * MINUTE)
        assert client.get(ADMIN).status_code == 200
    # 7 h 40 min in: the idle expiry never reaches past the 8 hours.
    clock.advance(10 * MINUTE)
    response = client.get(ADMIN)
    assert response.status_code == 200
    assert session_cookie_age(response) == 10 * MINUTE
    clock.advance(10 * MINUTE)
    response = client.get(ADMIN)
    assert_signed_out_with(client, response, "a session lasts 8 hours at most")


def test_a_session_without_a_sign_in_time_is_ended(client, signed_in):
    """Sessions from before the limits (up to 14 days old) are not extended."""
    session = client.session
    del session[staff_sessions.SIGNED_IN_AT]
    session.save()
    response = client.get(ADMIN)
    assert_signed_out_with(client, response, "8 hours at most")


def test_the_limits_come_from_the_settings(client, signed_in, clock, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 5 * MINUTE
    settings.STAFF_SESSION_MAX_SECONDS = 2 * HOUR
    clock.advance(4 * MINUTE)
    assert session_cookie_age(client.get(ADMIN)) == 5 * MINUTE
    clock.advance(5 * MINUTE)
    response = client.get(ADMIN)
    assert_signed_out_with(client, response, "after 5 minutes without activity")


def test_settings_read_the_limits_from_the_environment(tmp_path):
    code = (
        "print(settings.STAFF_SESSION_IDLE_SECONDS, "
        "settings.STAFF_SESSION_MAX_SECONDS, settings.SESSION_COOKIE_AGE)"
    )
    default = run_settings(tmp_path, code)
    assert default.stdout.split() == ["1800", "28800", "28800"], default.stderr
    chosen = run_settings(
        tmp_path,
        code,
        DJANGO_STAFF_SESSION_IDLE_MINUTES="15",
        DJANGO_STAFF_SESSION_MAX_HOURS="4",
    )
    assert chosen.stdout.split() == ["900", "14400", "14400"], chosen.stderr
    refused = run_settings(tmp_path, code, DJANGO_STAFF_SESSION_IDLE_MINUTES="0")
    assert refused.returncode != 0
    assert "DJANGO_STAFF_SESSION_IDLE_MINUTES" in refused.stderr


def test_visitors_without_a_session_cookie_are_left_alone(client, clinic):
    """The middleware never reads a session that is not there: public pages
    keep no Vary: Cookie and set no cookie."""
    response = client.get("/")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


# Cron ---------------------------------------------------------------------------


def cron_commands():
    """The management commands docs/deployment.md tells a clinic to schedule."""
    text = (settings.BASE_DIR / "docs" / "deployment.md").read_text()
    block = re.search(r"```cron\n(.*?)```", text, re.S).group(1)
    return re.findall(r"manage\.py (\w+)", block)


def test_cron_clears_expired_sessions_with_commands_that_exist():
    commands = cron_commands()
    assert "clearsessions" in commands
    assert set(commands) <= set(get_commands())
