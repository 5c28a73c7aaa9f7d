"""Security headers, a strict CSP that admin survives, `check --deploy` clean."""

import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from tests.helpers import run_settings, settings_env, soup

pytestmark = pytest.mark.django_db

PUBLIC_URLS = ["/", "/treatments/", "/treatments/dry-needling/", "/privacy/"]
ALL_PAGES = PUBLIC_URLS + ["/enquire/", "/no-such-page/"]


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("url", ALL_PAGES)
def test_security_headers_on_every_page(client, seeded, url):
    response = client.get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy


@pytest.mark.parametrize("url", ALL_PAGES)
def test_csp_is_strict(client, seeded, url):
    directives = csp_directives(client.get(url))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    every_value = " ".join(v for values in directives.values() for v in values)
    assert "unsafe" not in every_value


@pytest.mark.parametrize("url", ALL_PAGES)
def test_pages_have_no_inline_script_or_style(client, seeded, url):
    page = soup(client.get(url))
    for script in page.find_all("script"):
        # Data blocks (JSON-LD) are not run, so CSP allows them.
        assert script.get("type") == "application/ld+json"
    assert_no_inline_style_or_handlers(page)


def assert_no_inline_style_or_handlers(page):
    """Nothing the strict CSP would block: style elements or attributes, on*=."""
    assert not page.find_all("style")
    assert not page.find_all(style=True)
    for tag in page.find_all(True):
        assert not [name for name in tag.attrs if name.startswith("on")]


ADMIN_PAGES = [
    "/admin/",
    "/admin/treatments/treatment/",
    "/admin/treatments/treatment/add/",
    "/admin/enquiries/enquiry/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_render_with_same_origin_scripts_only(admin_client, seeded, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    scripts = soup(response).find_all("script")
    assert any(script.get("src") for script in scripts)  # admin's own scripts
    for script in scripts:
        if script.get("src"):
            # A path on this site: /static/... or admin's /admin/jsi18n/.
            assert script["src"].startswith("/")
            assert not script["src"].startswith("//")
        else:
            # Django admin's only inline blocks are json_script data.
            assert script.get("type") == "application/json"
    assert_no_inline_style_or_handlers(soup(response))


def test_admin_treatment_page_renders_with_csp(admin_client, seeded):
    from treatments.models import Treatment

    treatment = Treatment.objects.get(slug="dry-needling")
    response = admin_client.get(f"/admin/treatments/treatment/{treatment.pk}/change/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("url", ["/admin/login/", *ADMIN_PAGES])
def test_admin_pages_are_never_stored(admin_client, url):
    cache_control = admin_client.get(url)["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control


def check_deploy(tmp_path, **env_vars):
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=production_env(tmp_path, **env_vars),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_passes_in_production(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_the_deploy_sets_no_build_id(tmp_path):
    result = check_deploy(tmp_path, DJANGO_BUILD_ID="")
    assert result.returncode != 0
    assert "clinic_site.W001" in result.stdout + result.stderr


def production_env(tmp_path, **env_vars):
    return settings_env(
        tmp_path,
        **{
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "clinic.example",
            "DJANGO_BUILD_ID": "test-release",
            **env_vars,
        },
    )


def test_production_sets_hsts_secure_cookies_and_trusts_the_proxy(tmp_path):
    result = run_settings(
        tmp_path,
        "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " settings.SECURE_HSTS_PRELOAD, settings.SESSION_COOKIE_SECURE,"
        " settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,"
        " settings.SECURE_SSL_REDIRECT, settings.SECURE_PROXY_SSL_HEADER)",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="clinic.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split(maxsplit=7) == [
        "31536000",
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
    ]


def test_production_redirects_to_https_except_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/treatments/").status_code == 301
    assert client.get("/healthz/").status_code == 200


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/treatments/enquiry/7/change/", "/admin/enquiries/enquiry/7/change/"),
        (
            "/admin/treatments/enquiry/?status=new",
            "/admin/enquiries/enquiry/?status=new",
        ),
        (
            "/admin/treatments/clinicdetails/1/change/",
            "/admin/clinic/clinicdetails/1/change/",
        ),
    ],
)
def test_admin_addresses_from_before_the_app_split_lead_to_the_same_page(
    client, old, new
):
    """Links in notification emails already sent, and bookmarks, keep working."""
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_a_moved_admin_address_with_a_newline_is_redirected_not_a_500(client):
    response = client.get("/admin/treatments/enquiry/1%0d%0aSet-Cookie:x=1/")
    assert response.status_code == 301
    assert "\n" not in response["Location"]
    assert response["Location"].startswith("/admin/enquiries/enquiry/1")
