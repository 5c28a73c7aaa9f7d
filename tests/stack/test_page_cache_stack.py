"""Public pages from nginx's cache in the real stack: the same bytes and
headers as the app's, compressed, and purged the moment staff save content
through either app host; a failed purge is stale for max-age at most.

The stack's app hosts send public pages with max-age 10 (conftest), which
is how long nginx keeps them: the bound after a failed purge.
"""

import gzip
import http.client
import subprocess
import sys
import time
import types
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import brotli
import pytest

from scripts.stack import ROOT, request
from tests.helpers import form_data

pytestmark = pytest.mark.stack

TREATMENT = "/treatments/dry-needling/"
PUBLIC = ["/", "/treatments/", TREATMENT, "/privacy/"]
ENCODINGS = ("br", "gzip", "identity")
MAX_AGE = 10  # DJANGO_PUBLIC_PAGE_MAX_AGE of the tests' stack
# Headers of one response, not of the page: the connection, the moment and
# the request's own id; X-Cache-Status is nginx's note on where it came from.
PER_RESPONSE = {"date", "server", "connection", "keep-alive", "x-request-id"}
NGINX_ONLY = {"x-cache-status"}
# Answers from nginx's cache. With a max-age of 10 s an entry may expire in
# the middle of a test: it is then served while one request refreshes it
# (UPDATING) or asked for again with its ETag (REVALIDATED).
FROM_CACHE = {"HIT", "UPDATING", "REVALIDATED", "STALE"}
STAFF = "stack-cache-staff"
STAFF_PASSWORD = "A long stack test password 42"  # noqa: S105


def decoded(headers, body):
    decode = {"br": brotli.decompress, "gzip": gzip.decompress}
    return decode.get(headers.get("content-encoding"), bytes)(body)


def via_nginx(stack, path, encoding="identity", headers=None):
    return request(
        "GET",
        stack.base_url + path,
        headers={"Accept-Encoding": encoding, **(headers or {})},
        cert=stack.cert,
    )


class HostClient:
    """A browser talking to one app host directly, as nginx relays it."""

    def __init__(self, stack, index):
        self.host, _, port = stack.app_hosts[index].partition(":")
        self.port = int(port)
        self.origin = stack.base_url
        self.cookies = {}

    def request(self, method, path, body=None, encoding="identity"):
        headers = {
            "Host": self.origin.removeprefix("https://"),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
            "Accept-Encoding": encoding,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
            body = urlencode(body, doseq=True)
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=15, source_address=("127.0.0.1", 0)
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return (
            response.status,
            {k.lower(): v for k, v in response.headers.items()},
            data,
        )

    def get(self, path, encoding="identity"):
        return self.request("GET", path, encoding=encoding)

    def sign_in(self, backup_code):
        """Password, then a backup code (two-factor sign-in)."""
        self.get("/admin/login/")
        status, headers, _ = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
                "username": STAFF,
                "password": STAFF_PASSWORD,
                "next": "/admin/",
            },
        )
        assert status == 302, status
        code_step = headers["location"]
        status, headers, _ = self.request(
            "POST",
            code_step,
            {"csrfmiddlewaretoken": self.cookies["csrftoken"], "code": backup_code},
        )
        assert status == 302, status
        assert self.get("/admin/")[0] == 200

    def save_change_form(self, path, form_id, **changes):
        status, _, body = self.get(path)
        assert status == 200, status
        data = form_data(types.SimpleNamespace(content=body), form_id)
        data.update(changes)
        started = time.monotonic()
        status, _, _ = self.request("POST", path, data)
        assert status == 302, status
        return time.monotonic() - started


def in_stack(stack, code, **env):
    """Python run after django.setup() with the app hosts' environment."""
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**stack.app_env, "DJANGO_SETTINGS_MODULE": "clinic_site.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def staff(stack):
    """A superuser with an authenticator app set up: one of its backup codes
    and the clinic details' change page."""
    out = in_stack(
        stack,
        "from django.contrib.auth.models import User\n"
        "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
        "from clinic.models import ClinicDetails\n"
        "from staff_access import devices\n"
        f"user, _ = User.objects.get_or_create(username={STAFF!r})\n"
        "user.is_staff = user.is_superuser = True\n"
        f"user.set_password({STAFF_PASSWORD!r})\n"
        "user.save()\n"
        "devices.confirm_app_device(TOTPDevice.objects.create(user=user))\n"
        "print(devices.backup_codes(user)[0], ClinicDetails.load().pk)\n",
    ).stdout
    code, pk = out.split()[-2:]
    return types.SimpleNamespace(
        backup_code=code, clinic_change_path=f"/admin/clinic/clinicdetails/{pk}/change/"
    )


@pytest.fixture
def phone(stack):
    """The clinic's phone number, put back (and purged) after the test."""
    code = "from clinic.models import ClinicDetails\nprint(ClinicDetails.load().phone)"
    original = in_stack(stack, code).stdout.strip()
    yield original
    in_stack(
        stack,
        "from clinic.models import ClinicDetails\n"
        "clinic = ClinicDetails.load()\n"
        f"clinic.phone = {original!r}\n"
        "clinic.save()\n",
    )


def cached_everywhere(stack, hosts, paths=PUBLIC):
    """Every page in every encoding in nginx's cache (and each host's)."""
    for path in paths:
        for encoding in ENCODINGS:
            for host in hosts:
                assert host.get(path, encoding)[0] == 200
            via_nginx(stack, path, encoding)
            _, headers, _ = via_nginx(stack, path, encoding)
            assert headers["x-cache-status"] in FROM_CACHE, (path, encoding)


# From nginx's cache: the app's own page -----------------------------------------


def test_a_flood_of_page_views_is_answered_by_nginx(stack):
    via_nginx(stack, TREATMENT, "br")
    statuses = [
        via_nginx(stack, TREATMENT, "br")[1]["x-cache-status"] for _ in range(50)
    ]
    assert set(statuses) <= FROM_CACHE
    # At most one expiry (max-age 10 s) in the flood, one request to an app host.
    assert len([s for s in statuses if s != "HIT"]) <= 2


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("path", PUBLIC)
def test_a_page_from_nginx_has_the_apps_headers_and_bytes(stack, path, encoding):
    via_nginx(stack, path, encoding)
    status, cached, body = via_nginx(stack, path, encoding)
    assert status == 200
    assert cached["x-cache-status"] in FROM_CACHE
    _, direct, direct_body = HostClient(stack, 1).get(path, encoding)
    assert {k: v for k, v in cached.items() if k not in PER_RESPONSE | NGINX_ONLY} == {
        k: v for k, v in direct.items() if k not in PER_RESPONSE
    }
    assert body == direct_body
    for header in ("content-security-policy", "strict-transport-security", "etag"):
        assert header in cached
    assert cached["x-request-id"] != via_nginx(stack, path, encoding)[1]["x-request-id"]


def test_pages_reach_browsers_compressed_through_nginx(stack):
    _, plain_headers, plain = via_nginx(stack, TREATMENT)
    assert "content-encoding" not in plain_headers
    sizes = {}
    for encoding in ("br", "gzip"):
        _, headers, body = via_nginx(stack, TREATMENT, f"{encoding}, identity")
        assert headers["content-encoding"] == encoding
        assert "accept-encoding" in headers["vary"].lower()
        assert decoded(headers, body) == plain
        sizes[encoding] = len(body)
    _, headers, body = via_nginx(stack, TREATMENT, "gzip, deflate, br")
    assert headers["content-encoding"] == "br"
    assert sizes["br"] < sizes["gzip"] < len(plain) / 3


@pytest.mark.parametrize("path", ["/enquire/", "/admin/login/"])
def test_pages_with_a_csrf_token_are_never_compressed_or_cached(stack, path):
    for _ in range(2):
        status, headers, _ = via_nginx(stack, path, "br, gzip")
        assert status == 200
        assert "content-encoding" not in headers
        # Locations of their own (no cache there) or a miss every time.
        assert headers.get("x-cache-status") in (None, "MISS")
        assert "no-store" in headers["cache-control"]


def test_nginx_revalidates_with_the_etag_of_each_encoding(stack):
    _, headers, _ = via_nginx(stack, TREATMENT, "br")
    status, again, _ = via_nginx(
        stack, TREATMENT, "br", headers={"If-None-Match": headers["etag"]}
    )
    assert status == 304
    assert again["etag"] == headers["etag"]


# Coherence ---------------------------------------------------------------------


def test_an_edit_through_one_host_shows_on_the_next_request_everywhere(
    stack, staff, phone
):
    editor = HostClient(stack, 0)
    editor.sign_in(staff.backup_code)
    other = HostClient(stack, 1)
    cached_everywhere(stack, [HostClient(stack, 0), other])
    new_phone = "01632 960" + str(int(time.time()) % 1000).zfill(3)
    took = editor.save_change_form(
        staff.clinic_change_path, "clinicdetails_form", phone=new_phone
    )
    assert took < 5  # the purge is part of the save: quick
    for path in PUBLIC:
        for encoding in ENCODINGS:
            _, headers, body = via_nginx(stack, path, encoding)
            assert headers["x-cache-status"] == "MISS", (path, encoding)
            assert new_phone in decoded(headers, body).decode(), (path, encoding)
            _, headers, body = other.get(path, encoding)
            assert new_phone in decoded(headers, body).decode(), (path, encoding)


def test_a_failed_purge_leaves_a_page_stale_for_max_age_at_most(stack, phone):
    """A save on a host whose purge fails (its nginx address is a closed
    port): the site's own cache is new at once, nginx's copy within max-age."""
    # A fresh entry: purged (as the app does), then cached again.
    purged = request(
        "PURGE", stack.purge_url + TREATMENT, headers={"Accept-Encoding": "identity"}
    )
    assert purged[0] in (200, 404)
    assert via_nginx(stack, TREATMENT)[1]["x-cache-status"] == "MISS"
    assert via_nginx(stack, TREATMENT)[1]["x-cache-status"] == "HIT"
    new_phone = "01632 961" + str(int(time.time()) % 1000).zfill(3)
    saved = in_stack(
        stack,
        "from clinic.models import ClinicDetails\n"
        "clinic = ClinicDetails.load()\n"
        f"clinic.phone = {new_phone!r}\n"
        "clinic.save()\n",
        DJANGO_PAGE_CACHE_PURGE_URLS="http://127.0.0.1:1",
    )
    saved_at = time.monotonic()
    assert "not purged from nginx 127.0.0.1:1: ConnectionRefusedError" in saved.stdout
    assert new_phone in HostClient(stack, 1).get(TREATMENT)[2].decode()
    stale = via_nginx(stack, TREATMENT)
    assert new_phone not in stale[2].decode()  # nginx's copy, not purged
    while time.monotonic() < saved_at + MAX_AGE + 5:
        if new_phone in via_nginx(stack, TREATMENT)[2].decode():
            break
        time.sleep(0.25)
    fresh_after = time.monotonic() - saved_at
    assert new_phone in via_nginx(stack, TREATMENT)[2].decode()
    assert fresh_after <= MAX_AGE + 1
