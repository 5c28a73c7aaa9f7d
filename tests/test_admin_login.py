"""Admin login throttle (django-axes) and the configurable admin path."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from clinic_site.client import client_ip
from tests.factories import StaffFactory
from tests.helpers import run_settings, soup

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def staff_user():
    return StaffFactory(username="editor", password="right-password")


def attempt(client, password, username="editor", **headers):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        headers=headers,
    )


def test_five_failures_lock_the_username_and_ip_out_with_429(client, staff_user):
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200
    response = attempt(client, "wrong")
    assert response.status_code == 429
    # Even the right password is refused while locked out.
    response = attempt(client, "right-password")
    assert response.status_code == 429
    page = soup(response)
    assert page.find("h1").text == "Sign-in locked for now"
    text = " ".join(page.get_text().split())
    assert "5 failed attempts to sign in as editor from this network" in text
    assert "Wait 60 minutes" in text
    assert "axes_reset_username editor" in text


def test_fewer_than_five_failures_still_let_staff_in(client, staff_user):
    for _ in range(4):
        attempt(client, "wrong")
    response = attempt(client, "right-password")
    assert response.status_code == 302
    # On to the second step (staff_access): here, setting up an app.
    assert response.url == "/admin/sign-in/set-up/"


def test_lockout_is_per_username(client, staff_user):
    StaffFactory(username="other", password="pw-other")
    for _ in range(5):
        attempt(client, "wrong")
    assert attempt(client, "pw-other", username="other").status_code == 302


def test_lockout_is_per_client_ip_behind_a_trusted_proxy(client, settings, staff_user):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        attempt(client, "wrong", x_forwarded_for="203.0.113.5")
    assert (
        attempt(client, "right-password", x_forwarded_for="203.0.113.5").status_code
        == 429
    )
    # Another client behind the same proxy is not locked out.
    assert (
        attempt(client, "right-password", x_forwarded_for="203.0.113.6").status_code
        == 302
    )


def test_a_spoofed_forwarded_for_is_ignored_without_a_proxy(client, staff_user):
    for i in range(5):
        attempt(client, "wrong", x_forwarded_for=f"198.51.100.{i}")
    assert (
        attempt(client, "right-password", x_forwarded_for="198.51.100.99").status_code
        == 429
    )


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "127.0.0.9"),
        (1, "10.0.0.1, 203.0.113.5", "203.0.113.5"),
        (2, "203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, "10.0.0.2", "127.0.0.9"),
    ],
)
def test_client_ip_respects_trusted_proxy_count(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.9", HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_ip(request) == expected


# The account tier: one username from anywhere. ---------------------------------


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def admin_user():
    return StaffFactory(username="admin", password="right-password")


def test_25_wrong_passwords_from_25_addresses_lock_the_account(
    client, behind_one_proxy, admin_user
):
    answers = [
        attempt(client, "wrong", "admin", x_forwarded_for=f"203.0.113.{i}").status_code
        for i in range(1, 26)
    ]
    # Locked at the tenth failure, whatever the address.
    assert answers == [200] * 9 + [429] * 16
    # Even the right password from an address never seen before.
    response = attempt(client, "right-password", "admin", x_forwarded_for="192.0.2.9")
    assert response.status_code == 429


def test_nine_failures_from_nine_addresses_still_let_staff_in(
    client, behind_one_proxy, admin_user
):
    for i in range(1, 10):
        attempt(client, "wrong", "admin", x_forwarded_for=f"203.0.113.{i}")
    response = attempt(client, "right-password", "admin", x_forwarded_for="192.0.2.9")
    assert response.status_code == 302


def test_a_locked_account_page_says_what_to_do(client, behind_one_proxy, admin_user):
    for i in range(1, 11):
        response = attempt(client, "wrong", "admin", x_forwarded_for=f"203.0.113.{i}")
    assert response.status_code == 429
    page = soup(response)
    assert page.find("h1").text == "Sign-in locked for now"
    text = " ".join(page.get_text().split())
    assert "10 failed attempts to sign in as admin from different networks" in text
    assert "Wait 60 minutes" in text
    assert "axes_reset_username admin" in text
    assert "Clinic staff admin" in text


@pytest.mark.parametrize("tier", ["client", "account"])
def test_the_lockout_says_when_to_retry(client, behind_one_proxy, admin_user, tier):
    for i in range(1, 11):
        address = "203.0.113.1" if tier == "client" else f"203.0.113.{i}"
        response = attempt(client, "wrong", "admin", x_forwarded_for=address)
        if response.status_code == 429:
            break
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "no-store" in response["Cache-Control"]


# The same client however spelled. ----------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["::ffff:203.0.113.5", "[::ffff:203.0.113.5]:443", "203.0.113.5:1234"],
)
def test_a_locked_client_stays_locked_however_spelled(
    client, behind_one_proxy, staff_user, spelling
):
    for _ in range(5):
        attempt(client, "wrong", x_forwarded_for="203.0.113.5")
    response = attempt(client, "right-password", x_forwarded_for=spelling)
    assert response.status_code == 429


def test_a_locked_ipv6_client_stays_locked_across_its_slash_64(
    client, behind_one_proxy, staff_user
):
    for i in range(1, 6):
        attempt(client, "wrong", x_forwarded_for=f"2001:db8:1:2::{i}")
    response = attempt(client, "right-password", x_forwarded_for="2001:db8:1:2::ff")
    assert response.status_code == 429


# Bad input: a form error or the lockout, never a 500 (PostgreSQL included). ----


def test_a_300_character_username_is_a_form_error(client):
    response = attempt(client, "wrong", username="a" * 300)
    assert response.status_code == 200
    errors = [li.text for li in soup(response).select(".form-row .errorlist li")]
    assert errors == ["Ensure this value has at most 150 characters (it has 300)."]
    assert not AccessAttempt.objects.exists()


def test_a_nul_in_the_username_is_a_form_error(client):
    response = attempt(client, "wrong", username="admin\x00")
    assert response.status_code == 200
    errors = [li.text for li in soup(response).select(".form-row .errorlist li")]
    assert errors == ["Null characters are not allowed."]


def test_a_150_character_username_is_checked_as_usual(client):
    response = attempt(client, "wrong", username="a" * 150)
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "a" * 150


@pytest.mark.parametrize("forwarded_for", ["garbage", "192.0.2.050", "1.2.3.4, ,x"])
def test_a_bad_forwarded_for_counts_as_the_proxy(
    client, behind_one_proxy, staff_user, forwarded_for
):
    response = attempt(client, "wrong", x_forwarded_for=forwarded_for)
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def test_bad_forwarded_fors_lock_out_together(client, behind_one_proxy, staff_user):
    answers = [
        attempt(client, "wrong", x_forwarded_for=garbage).status_code
        for garbage in ["garbage", "unknown", "192.0.2.050", "x" * 300, "::1::"]
    ]
    assert answers == [200, 200, 200, 200, 429]
    response = attempt(client, "right-password", x_forwarded_for="not-an-address")
    assert response.status_code == 429


URLS = "from django.urls import reverse; print(reverse('admin:index'))"


def test_admin_path_defaults_to_admin(tmp_path):
    result = run_settings(tmp_path, URLS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/admin/"


def test_admin_path_comes_from_the_environment(tmp_path):
    result = run_settings(tmp_path, URLS, DJANGO_ADMIN_URL="/staff-7f3a/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/staff-7f3a/"


def test_admin_says_whose_admin_it_is(client):
    page = client.get("/admin/login/").content.decode()
    assert "Clinic staff admin" in page
    assert "Django administration" not in page
