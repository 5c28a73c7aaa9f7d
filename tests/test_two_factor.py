"""Two-factor staff sign-in (django-otp): password, then a code from an
authenticator app or a backup code; set up on first sign-in; reset by a
superuser; django-axes' lockout over both steps."""

import base64
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from staff_access import sign_in
from tests.factories import StaffFactory, TreatmentFactory
from tests.helpers import app_code, soup
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
CODE = "/admin/sign-in/code/"
SET_UP = "/admin/sign-in/set-up/"
BACKUP_CODES = "/admin/sign-in/backup-codes/"
USERS = "/admin/auth/user/"
Action = AuditEvent.Action


@pytest.fixture
def newcomer():
    """A staff member who has never signed in: no device yet."""
    return StaffFactory(username="newcomer", password="right-password")


@pytest.fixture
def alice():
    """A content editor with an authenticator app and backup codes."""
    user = StaffFactory(
        username="alice", password="right-password", groups=["Content editors"]
    )
    TOTPDevice.objects.create(user=user, name="Authenticator app")
    backup = StaticDevice.objects.create(user=user, name="Backup codes")
    backup.token_set.create(token="12345678")
    backup.token_set.create(token="87654321")
    return user


def app(user):
    return TOTPDevice.objects.get(user=user, confirmed=True)


def password(client, username="alice", pw="right-password", next_url="/admin/"):
    return client.post(LOGIN, {"username": username, "password": pw, "next": next_url})


def enter(client, code, url=CODE):
    return client.post(url, {"code": code})


def error(response):
    """The message beside the code box (also at the top of the page)."""
    page = soup(response)
    beside = page.select_one("#code-error")
    assert beside is not None, "no error shown beside the code box"
    top = page.select_one(".errornote")
    assert top is not None and top.text.strip() == beside.text.strip()
    return " ".join(beside.text.split())


def wrong_code(device):
    """A 6-digit code the device shows at no time within 20 minutes."""
    now = time.time()
    near = {app_code(device, now + 30 * step) for step in range(-40, 41)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def unthrottle(user):
    """As if django-otp's pause after a wrong code had passed."""
    past = timezone.now() - timedelta(hours=1)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=past)
    StaticDevice.objects.filter(user=user).update(throttling_failure_timestamp=past)


def signed_in(client):
    return client.get("/admin/").status_code == 200


def failures(username="alice"):
    return sum(
        a.failures_since_start for a in AccessAttempt.objects.filter(username=username)
    )


# Signing in with an app --------------------------------------------------------


def test_a_right_password_asks_for_the_code_and_does_not_sign_in(client, alice):
    response = password(client)
    assert (response.status_code, response.url) == (302, CODE)
    assert not signed_in(client)
    assert not AuditEvent.objects.filter(action=Action.SIGNED_IN).exists()


def test_the_code_step_names_the_account_and_takes_a_pasted_code(client, alice):
    password(client)
    page = soup(client.get(CODE))
    assert page.h1.text == "Enter your code"
    assert "Signing in as alice" in page.get_text()
    box = page.select_one("#code-form input[name=code]")
    assert box["autocomplete"] == "one-time-code"
    assert box["inputmode"] == "numeric"
    # Nothing stops a paste or a password manager filling it in.
    assert not {"onpaste", "readonly", "maxlength", "pattern"} & set(box.attrs)
    label = page.select_one(f"label[for={box['id']}]")
    assert label.text == "Code from your app, or a backup code"
    assert "you have 2 left" in page.get_text()


def test_the_right_code_signs_in_and_goes_where_asked(client, alice):
    password(client, next_url="/admin/treatments/treatment/")
    response = enter(client, app_code(app(alice)))
    assert (response.status_code, response.url) == (
        302,
        "/admin/treatments/treatment/",
    )
    assert signed_in(client)
    event = AuditEvent.objects.get(action=Action.SIGNED_IN)
    assert (event.actor, event.ip) == (alice, "127.0.0.1")


def test_a_code_with_spaces_is_accepted(client, alice):
    code = app_code(app(alice))
    password(client)
    response = enter(client, f" {code[:3]} {code[3:]} ")
    assert response.status_code == 302
    assert signed_in(client)


def test_an_outside_next_address_is_not_followed(client, alice):
    password(client, next_url="https://evil.example/")
    response = enter(client, app_code(app(alice)))
    assert response.url == "/admin/"


def test_the_session_key_changes_at_each_step(client, alice):
    client.session.save()  # a session from before, as a fixation would plant
    first = client.cookies["sessionid"].value
    password(client)
    second = client.cookies["sessionid"].value
    enter(client, app_code(app(alice)))
    assert len({first, second, client.cookies["sessionid"].value}) == 3


# Bad input at the code step: a clear error, never a 500 ------------------------


def test_a_wrong_code_is_refused_and_counted(client, alice):
    password(client)
    response = enter(client, wrong_code(app(alice)))
    assert response.status_code == 200
    assert error(response) == (
        "That code is not right. Enter the code your authenticator app shows "
        "now for Clinic staff admin."
    )
    assert not signed_in(client)
    assert failures() == 1
    event = AuditEvent.objects.get(action=Action.SECOND_FACTOR_FAILED)
    assert (event.actor, event.detail) == (alice, "wrong code")


def test_a_code_used_already_is_refused(client, alice):
    code = app_code(app(alice))
    password(client)
    assert enter(client, code).status_code == 302
    client.post("/admin/logout/")
    password(client)
    response = enter(client, code)
    assert response.status_code == 200
    assert error(response) == (
        "That code has been used already. Wait for your app to show a new "
        "code, then enter that."
    )
    assert AuditEvent.objects.get(action=Action.SECOND_FACTOR_FAILED).detail == (
        "code used already"
    )


def test_an_expired_code_is_refused_saying_so(client, alice):
    password(client)
    response = enter(client, app_code(app(alice), at=time.time() - 300))
    assert response.status_code == 200
    assert error(response).startswith(
        "That code has expired: codes change every 30 seconds."
    )
    assert not signed_in(client)


def test_a_code_from_one_step_ago_still_works(client, alice):
    """A code read just before it changed (tolerance of one step)."""
    password(client)
    assert enter(client, app_code(app(alice), at=time.time() - 30)).status_code == 302


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the 6-digit code your authenticator app shows now."),
        (
            "12345",
            "Enter the 6-digit code your authenticator app shows now, or one of "
            "your 8-digit backup codes.",
        ),
        (
            "abcdef",
            "Enter the 6-digit code your authenticator app shows now, or one of "
            "your 8-digit backup codes.",
        ),
        (
            "١٢٣٤٥٦",  # Arabic-Indic digits: int() reads them, the app never shows them
            "Enter the 6-digit code your authenticator app shows now, or one of "
            "your 8-digit backup codes.",
        ),
        (
            "1" * 300,
            "That is 300 characters long: a code is 6 digits (8 for a backup code).",
        ),
        ("12\x003456", "Null characters are not allowed."),
    ],
)
def test_what_is_not_a_code_is_a_clear_error_not_counted(client, alice, typed, message):
    password(client)
    response = enter(client, typed)
    assert response.status_code == 200
    assert error(response) == message
    assert failures() == 0
    assert not signed_in(client)


def test_a_second_try_within_the_pause_is_asked_to_wait(client, alice):
    password(client)
    enter(client, wrong_code(app(alice)))
    response = enter(client, app_code(app(alice)))
    assert response.status_code == 200
    assert error(response) == (
        "Too many wrong codes in a row. Wait 1 second, then enter the code shown then."
    )
    assert failures() == 1  # the pause is not another failure
    unthrottle(alice)
    assert enter(client, app_code(app(alice))).status_code == 302


# Backup codes ------------------------------------------------------------------


def test_a_backup_code_signs_in_once(client, alice):
    password(client)
    assert enter(client, "1234 5678").status_code == 302
    assert signed_in(client)
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["87654321"]
    client.post("/admin/logout/")
    password(client)
    response = enter(client, "12345678")
    assert response.status_code == 200
    assert error(response) == (
        "That backup code is not right, or it has been used already: each "
        "backup code works once."
    )
    assert failures() == 1


def test_backup_codes_need_no_app_code(client, alice):
    password(client)
    enter(client, "87654321")
    assert client.session["otp_device_id"] == (
        StaticDevice.objects.get(user=alice).persistent_id
    )


# First sign-in: setting up an app ----------------------------------------------


def test_a_first_sign_in_leads_to_set_up(client, newcomer):
    response = password(client, "newcomer")
    assert (response.status_code, response.url) == (302, SET_UP)
    assert not signed_in(client)
    assert client.get(CODE).url == SET_UP


def test_set_up_shows_a_qr_code_from_the_site_and_the_key_in_fours(client, newcomer):
    password(client, "newcomer")
    response = client.get(SET_UP)
    page = soup(response)
    assert page.h1.text == "Set up two-factor sign-in"
    device = TOTPDevice.objects.get(user=newcomer)
    assert not device.confirmed
    key = base64.b32encode(device.bin_key).decode()
    shown = page.select_one("#totp-key").text
    assert shown.replace(" ", "") == key
    assert [len(group) for group in shown.split(" ")] == [4] * 8
    img = page.select_one("img.qr-code")
    assert img["src"].startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(img["src"].split(",", 1)[1]).decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<path" in svg
    assert "script" not in svg
    assert img["alt"].startswith("QR code for your authenticator app")
    # The CSP allows that image and no more than before (no inline SVG styles).
    csp = response["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp
    assert page.find_all(style=True) == []
    assert page.select("#content-main svg") == []


def test_the_set_up_key_stays_the_same_on_reload(client, newcomer):
    password(client, "newcomer")
    first = soup(client.get(SET_UP)).select_one("#totp-key").text
    assert soup(client.get(SET_UP)).select_one("#totp-key").text == first
    # A new sign-in gets a new key: a key someone else saw is never confirmed.
    password(client, "newcomer")
    assert soup(client.get(SET_UP)).select_one("#totp-key").text != first
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_the_first_code_confirms_the_app_and_shows_backup_codes_once(client, newcomer):
    password(client, "newcomer")
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=newcomer)
    response = enter(client, app_code(device), url=SET_UP)
    assert (response.status_code, response.url) == (302, BACKUP_CODES)
    device.refresh_from_db()
    assert device.confirmed
    assert signed_in(client)

    page = soup(client.get(BACKUP_CODES))
    codes = [code.text for code in page.select(".backup-code")]
    stored = StaticToken.objects.filter(device__user=newcomer)
    assert len(codes) == 10
    assert sorted(c.replace(" ", "") for c in codes) == sorted(
        stored.values_list("token", flat=True)
    )
    assert all(len(c) == 9 and c[4] == " " for c in codes)  # "1234 5678"
    text = page.get_text()
    assert "Print these or write them down now." in text
    assert page.select_one("a.button")["href"] == "/admin/"

    again = soup(client.get(BACKUP_CODES))
    assert again.select(".backup-code") == []
    assert "shown once" in again.get_text()
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [Action.DEVICE_SET_UP, Action.SIGNED_IN]


def test_a_wrong_first_code_leaves_the_app_unconfirmed(client, newcomer):
    password(client, "newcomer")
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=newcomer)
    response = enter(client, wrong_code(device), url=SET_UP)
    assert response.status_code == 200
    assert "That code is not right." in error(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.exists()
    # Recorded, but no lockout failure: without a device, the password is
    # what protects the account.
    assert failures("newcomer") == 0
    event = AuditEvent.objects.get(action=Action.SECOND_FACTOR_FAILED)
    assert event.detail == "setting up: wrong code"


def test_set_up_takes_app_codes_only(client, newcomer):
    password(client, "newcomer")
    client.get(SET_UP)
    response = enter(client, "12345678", url=SET_UP)
    assert error(response) == "Enter the 6-digit code your authenticator app shows now."


def test_someone_with_an_app_cannot_set_up_another(client, alice):
    password(client)
    assert client.get(SET_UP).url == CODE
    assert TOTPDevice.objects.filter(user=alice).count() == 1


# The half sign-in --------------------------------------------------------------


@pytest.mark.parametrize("url", [CODE, SET_UP])
def test_the_second_step_needs_the_password_first(client, url):
    response = client.get(url)
    assert (response.status_code, response.url) == (302, LOGIN)
    assert enter(client, "123456", url=url).url == LOGIN


def test_the_second_step_waits_ten_minutes_at_most(client, alice, monkeypatch):
    password(client)
    later = time.time() + sign_in.PENDING_SECONDS + 1
    monkeypatch.setattr(sign_in, "now", lambda: later)
    response = enter(client, app_code(app(alice)))
    assert response.url == LOGIN
    page = soup(client.get(LOGIN))
    assert "Sign in with your password first" in page.select_one(".messagelist").text
    assert not signed_in(client)


def test_an_account_made_inactive_meanwhile_cannot_finish(client, alice):
    password(client)
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    assert enter(client, app_code(app(alice))).url == LOGIN


# The lockout covers both steps -------------------------------------------------


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, alice):
    password(client)
    answers = []
    for _ in range(5):
        answers.append(enter(client, wrong_code(app(alice))).status_code)
        unthrottle(alice)
    assert answers == [200] * 4 + [429]
    # Locked: the password is refused too, and no half sign-in is left.
    assert password(client).status_code == 429
    assert sign_in.PENDING not in client.session


def test_a_right_password_does_not_clear_earlier_failures(client, alice):
    for _ in range(4):
        password(client, pw="wrong")
    assert password(client).status_code == 302
    response = enter(client, wrong_code(app(alice)))
    assert response.status_code == 429
    assert "Sign-in locked for now" in soup(response).h1.text


def test_a_locked_account_cannot_pass_the_code_step(client, alice):
    password(client)
    for _ in range(5):
        client.post(LOGIN, {"username": "alice", "password": "x"})
    response = enter(client, app_code(app(alice)))
    assert response.status_code == 429
    assert not signed_in(client)


def test_a_whole_sign_in_clears_the_failures(client, alice):
    for _ in range(3):
        password(client, pw="wrong")
    password(client)
    enter(client, app_code(app(alice)))
    assert failures() == 0


def test_the_code_is_never_kept_by_axes(client, alice):
    password(client)
    code = wrong_code(app(alice))
    enter(client, code)
    assert code not in AccessAttempt.objects.get().post_data


# No admin page and no draft preview without the second factor ------------------

ADMIN_PAGES = [
    "/admin/",
    "/admin/treatments/treatment/",
    "/admin/enquiries/enquiry/",
    "/admin/clinic/clinicdetails/",
    "/admin/audit/auditevent/",
    USERS,
    "/admin/password_change/",
    BACKUP_CODES,
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("superuser", [True, False], ids=["superuser", "editor"])
def test_a_session_without_the_second_factor_opens_no_admin_page(
    client, url, superuser
):
    user = StaffFactory(is_superuser=superuser, groups=["Content editors"])
    client.force_login(user, second_factor=False)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN + "?next=")


def test_a_session_without_the_second_factor_sees_no_draft(client, clinic):
    TreatmentFactory(slug="draft-page", status=Treatment.Status.DRAFT)
    editor = StaffFactory(groups=["Content editors"])
    client.force_login(editor, second_factor=False)
    assert client.get("/treatments/draft-page/").status_code == 404
    client.force_login(editor)
    assert client.get("/treatments/draft-page/").status_code == 200


def test_the_login_page_signs_out_a_session_without_the_second_factor(client):
    client.force_login(StaffFactory(), second_factor=False)
    page = soup(client.get(LOGIN))
    assert "You are authenticated as" not in page.get_text()
    assert "_auth_user_id" not in client.session


def test_with_both_factors_the_login_page_sends_on_to_admin(admin_client):
    assert admin_client.get(LOGIN).url == "/admin/"


# Reset by a superuser ----------------------------------------------------------


def reset(client, *users, confirm=True):
    data = {"action": "reset_two_factor", "_selected_action": [u.pk for u in users]}
    if confirm:
        data["confirm"] = "yes"
    return client.post(USERS, data)


def test_a_superuser_is_asked_to_confirm_a_reset(admin_client, alice):
    response = reset(admin_client, alice, confirm=False)
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.text == "Reset two-factor sign-in?"
    assert [li.text for li in page.select("#content-main ul li")] == ["alice"]
    assert TOTPDevice.objects.filter(user=alice).exists()


def test_a_superuser_resets_a_device_and_the_next_sign_in_sets_up(
    admin_client, admin_user, alice
):
    response = reset(admin_client, alice)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    page = soup(admin_client.get(response.url))
    assert "Two-factor sign-in reset for alice" in page.select_one(".messagelist").text
    event = AuditEvent.objects.get(action=Action.DEVICE_RESET)
    assert (event.actor, event.detail) == (admin_user, "for alice")
    assert password(admin_client.__class__()).url == SET_UP


def test_a_reset_ends_the_second_factor_of_an_open_session(client, admin_client, alice):
    client.force_login(alice)
    assert signed_in(client)
    reset(admin_client, alice)
    assert client.get("/admin/").status_code == 302


def test_the_user_list_shows_who_has_set_up_two_factor(admin_client, alice, newcomer):
    page = soup(admin_client.get(USERS))
    column = {
        row.select_one(".field-username").text: row.select_one(".field-two_factor img")[
            "alt"
        ]
        for row in page.select("#result_list tbody tr")
    }
    assert column["alice"] == "True"
    assert column["newcomer"] == "False"


def test_staff_who_may_change_users_but_are_not_superusers_cannot_reset(client, alice):
    manager = StaffFactory()
    manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(manager)
    for confirm in (False, True):
        response = reset(client, alice, confirm=confirm)
        assert response.status_code == 302
        message = soup(client.get(response.url)).select_one(".messagelist").text
        assert message.strip() == (
            "Only a superuser can reset two-factor sign-in: nothing was changed."
        )
    assert TOTPDevice.objects.filter(user=alice).exists()
    assert StaticToken.objects.filter(device__user=alice).count() == 2
    assert not AuditEvent.objects.filter(action=Action.DEVICE_RESET).exists()


@pytest.mark.parametrize("groups", [["Content editors"], ["Enquiry handlers"]])
def test_editors_and_handlers_cannot_reach_users_at_all(client, alice, groups):
    client.force_login(StaffFactory(groups=groups))
    assert client.get(USERS).status_code == 403
    assert reset(client, alice).status_code == 403
    assert TOTPDevice.objects.filter(user=alice).exists()


def test_devices_are_not_edited_in_admin(admin_client, alice):
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin_client.get("/admin/otp_static/staticdevice/").status_code == 404


# manage.py reset_two_factor (the last superuser, locked out) --------------------


def test_the_command_resets_a_device(alice, capsys):
    call_command("reset_two_factor", "alice")
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    assert "Two-factor sign-in reset for alice" in capsys.readouterr().out
    event = AuditEvent.objects.get(action=Action.DEVICE_RESET)
    assert (event.actor, event.ip) == (None, None)
    assert event.detail == "for alice (manage.py reset_two_factor)"


def test_the_command_says_when_there_was_nothing_to_reset(newcomer, capsys):
    call_command("reset_two_factor", "newcomer")
    assert "had no two-factor device" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "No user is called 'nobody'."),
        ("a" * 300, "That is not a username."),
        ("al\x00ice", "That is not a username."),
    ],
)
def test_the_command_refuses_an_unknown_username(username, message):
    with pytest.raises(CommandError, match=message):
        call_command("reset_two_factor", username)


@pytest.mark.parametrize("staff", [3, 60])
def test_the_user_list_runs_a_constant_number_of_queries(admin_client, staff):
    for user in StaffFactory.create_batch(staff):
        TOTPDevice.objects.create(user=user, name="Authenticator app")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(USERS)
    assert response.status_code == 200
    # session, user, device, the group filter, two counts, the clinic
    # details, the page of users with their two-factor column, the session (3)
    assert len(queries) == 11, [q["sql"][:60] for q in queries]
