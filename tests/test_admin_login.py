"""Admin login throttle (django-axes) and the configurable admin path."""

import pytest
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
    assert "Wait 60 minutes" in text
    assert "axes_reset_username editor" in text


def test_fewer_than_five_failures_still_let_staff_in(client, staff_user):
    for _ in range(4):
        attempt(client, "wrong")
    response = attempt(client, "right-password")
    assert response.status_code == 302
    assert response.url == "/admin/"


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
