"""Request bodies: capped before they are read, never written to disk.

In the test client with a body that fails the test if anything reads it, and
through a real gunicorn (production settings, TMPDIR pointed at a folder of
the test's own) for what only a server shows: an answer before the body is
sent, and no file left by an upload the worker was killed in the middle of.
"""

import http.client
import io
import os
import re
import socket
import time
import urllib.parse

import pytest
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django_otp.oath import TOTP
from PIL import Image

from clinic_site.errors import PAGE_HEADER_MIDDLEWARE
from clinic_site.request_limits import STAFF_ONLY
from enquiries.models import Enquiry
from tests.factories import StaffFactory, TreatmentFactory
from tests.helpers import post_change, production_site, soup
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
URLENCODED = "application/x-www-form-urlencoded"


class UnreadBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = readinto = read


def post_unread(client, path, length, content_type, **extra):
    """POST that declares `length` bytes of `content_type` and sends none."""
    return client.generic(
        "POST",
        path,
        CONTENT_LENGTH=str(length),
        CONTENT_TYPE=content_type,
        **{"wsgi.input": UnreadBody()},
        **extra,
    )


def page_text(response):
    return " ".join(soup(response).main.get_text().split())


# Public pages ----------------------------------------------------------------


def test_a_300_mb_multipart_enquiry_is_refused_413_unread(client):
    response = post_unread(client, "/enquire/", 300 * MB, MULTIPART_CONTENT)
    assert response.status_code == 413
    assert soup(response).h1.get_text() == "Sorry, that was too large to send"
    assert "Go back to the form" in page_text(response)
    assert Enquiry.objects.count() == 0


def test_multipart_to_the_enquiry_form_is_refused_415_unread(client):
    """The form has no file field: a browser never sends it as multipart."""
    response = post_unread(client, "/enquire/", 2000, MULTIPART_CONTENT)
    assert response.status_code == 415
    text = page_text(response)
    assert "this page does not take files" in text
    assert "Go back to the form: what you typed is usually still there." in text
    assert Enquiry.objects.count() == 0


@pytest.mark.parametrize("path", ["/enquire/", "/", "/treatments/", "/no-such/"])
def test_public_pages_refuse_a_body_over_one_megabyte_unread(client, path):
    response = post_unread(client, path, MB + 1, URLENCODED)
    assert response.status_code == 413


def test_a_body_of_exactly_the_limit_is_read(client, clinic):
    """The cap is the body's size: a form of exactly 1 MB reaches the form,
    which says what is wrong with it."""
    body = "message=" + "x" * (MB - len("message="))
    response = client.post("/enquire/", body, content_type=URLENCODED)
    assert response.status_code == 200
    assert soup(response).find(id="id_message_error")


def test_a_chunked_body_is_refused_411_unread(client):
    """Without a Content-Length Django would read the body as empty and the
    form would come back blank: refused, so the patient knows."""
    response = client.generic(
        "POST",
        "/enquire/",
        CONTENT_TYPE=URLENCODED,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": UnreadBody()},
    )
    assert response.status_code == 411
    assert "Content-Length" in page_text(response)


def test_a_refusal_carries_the_site_headers(client, clinic):
    page = client.get("/privacy/")
    response = post_unread(client, "/enquire/", 300 * MB, MULTIPART_CONTENT)
    for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options"):
        assert response[header] == page[header]
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert "no-store" in response["Cache-Control"]


def test_the_limits_come_before_static_files_and_the_page_cache():
    order = settings.MIDDLEWARE
    limits = order.index("clinic_site.request_limits.RequestLimitsMiddleware")
    assert limits < order.index("whitenoise.middleware.WhiteNoiseMiddleware")
    page_cache = "clinic_site.pagecache.middleware.PublicPageCacheMiddleware"
    assert limits < order.index(page_cache)
    # The headers a refusal borrows are the ones every page gets.
    for name in PAGE_HEADER_MIDDLEWARE:
        assert order.index(name) > order.index(page_cache)


# Admin ------------------------------------------------------------------------


def test_anonymous_multipart_to_admin_is_refused_unread(client):
    response = post_unread(client, "/admin/login/", 2000, MULTIPART_CONTENT)
    assert response.status_code == 415
    assert STAFF_ONLY in page_text(response)


def test_staff_without_the_second_factor_may_not_upload(client):
    client.force_login(StaffFactory(), second_factor=False)
    url = "/admin/treatments/treatment/add/"
    response = post_unread(client, url, 2000, MULTIPART_CONTENT)
    assert response.status_code == 415
    assert STAFF_ONLY in page_text(response)


def test_anonymous_bodies_over_the_public_limit_are_refused_on_admin(client):
    response = post_unread(client, "/admin/login/", 2 * MB, URLENCODED)
    assert response.status_code == 413


def test_staff_bodies_over_the_staff_limit_are_refused_unread(admin_client):
    length = settings.STAFF_REQUEST_MAX_BYTES + 1
    url = "/admin/treatments/treatment/add/"
    response = post_unread(admin_client, url, length, MULTIPART_CONTENT)
    assert response.status_code == 413


def noise_png(nbytes):
    """A PNG of about `nbytes` that no compression makes smaller."""
    side = int((nbytes / 3) ** 0.5)
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_staff_upload_over_the_public_limit_is_kept_in_memory(
    admin_client, settings, tmp_path
):
    """3 MB: over the public limit and over Django's default in-memory size
    (2.5 MB), under the image limit (5 MB). Saved, never in a temporary file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    data = noise_png(3 * MB)
    assert 2.5 * MB < len(data) < settings.TREATMENT_IMAGE_MAX_BYTES
    # A draft: its save is not held for clinical sign-off.
    treatment = TreatmentFactory(slug="needling", status=Treatment.Status.DRAFT)
    upload = SimpleUploadedFile("big.png", data, content_type="image/png")
    response = post_change(admin_client, treatment, image=upload, image_alt="Noise")
    assert response.status_code == 302
    assert isinstance(response.wsgi_request.FILES["image"], InMemoryUploadedFile)
    treatment.refresh_from_db()
    assert treatment.image


def test_uploads_are_never_written_to_a_temporary_file():
    assert settings.FILE_UPLOAD_HANDLERS == [
        "django.core.files.uploadhandler.MemoryFileUploadHandler"
    ]
    # No body the parser may see is larger than what it keeps in memory.
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= settings.STAFF_REQUEST_MAX_BYTES
    assert settings.STAFF_REQUEST_MAX_BYTES > (
        settings.TREATMENT_IMAGE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


# Through gunicorn --------------------------------------------------------------

STAFF = {"username": "staff", "password": "a long password for the tests 17"}
# The superuser's authenticator app (its key, in hex, as django-otp keeps it).
STAFF_APP_KEY = "3132333435363738393031323334353637383930"
ADD_APP = (
    "from django.contrib.auth.models import User; "
    "from django_otp.plugins.otp_totp.models import TOTPDevice; "
    "TOTPDevice.objects.create(user=User.objects.get(username='staff'), "
    f"name='app', confirmed=True, key='{STAFF_APP_KEY}')"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A production gunicorn whose temporary files go to a folder of ours,
    whose workers are killed after 3 s without progress, with a superuser."""
    uploads = tmp_path_factory.mktemp("tmpdir")
    env = {
        "TMPDIR": str(uploads),
        "GUNICORN_TIMEOUT": "3",
        "DJANGO_SUPERUSER_USERNAME": STAFF["username"],
        "DJANGO_SUPERUSER_PASSWORD": STAFF["password"],
        "DJANGO_SUPERUSER_EMAIL": "staff@example.com",
    }
    log_dir = tmp_path_factory.mktemp("limits")
    setup = [["createsuperuser", "--noinput"], ["shell", "-c", ADD_APP]]
    with production_site(log_dir, setup=setup, **env) as (base, _env, _tmp, _log):
        yield int(base.rsplit(":", 1)[1]), uploads


def files_in(folder):
    return sorted(str(p) for p in folder.rglob("*") if p.is_file())


def multipart_start(port, length, path, cookie):
    """Headers of a multipart POST of `length` bytes, as a browser on the site
    sends them (so the CSRF check reads the body), and its first file part."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "X-Forwarded-Proto: https\r\n"
        f"Referer: https://127.0.0.1:{port}{path}\r\n"
        f"Cookie: {cookie}\r\n"
        f"Content-Type: {MULTIPART_CONTENT}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    part = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="image"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return head + part


def read_until_closed(sock, seconds):
    """What the server sends until it closes, or until `seconds` pass."""
    sock.settimeout(seconds)
    received = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        received += chunk
    return received


def test_gunicorn_answers_a_300_mb_upload_at_once_and_writes_nothing(site):
    port, uploads = site
    cookie = csrf_cookie(port, "/enquire/")
    before = files_in(uploads)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        start = multipart_start(port, 300 * MB, "/enquire/", cookie)
        sock.sendall(start + b"\0" * 65536)
        answer = read_until_closed(sock, 10)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert files_in(uploads) == before


def request(port, method, path, body=None, headers=None):
    """(response, text) of one request, as the load balancer forwards it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"X-Forwarded-Proto": "https", **(headers or {})}
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        return response, response.read().decode()
    finally:
        connection.close()


def cookies_set(response):
    return {
        value.partition("=")[0]: value.partition("=")[2].split(";", 1)[0]
        for name, value in response.getheaders()
        if name.lower() == "set-cookie"
    }


def csrf_cookie(port, path):
    """The CSRF cookie a visitor gets with the page at `path`."""
    response, _ = request(port, "GET", path)
    return f"csrftoken={cookies_set(response)['csrftoken']}"


def sign_in(port):
    """The cookies of the superuser after both sign-in steps, as a browser."""
    cookies = {}

    def step(path, fields):
        """GET the form at `path`, POST it back filled in; the redirect."""
        jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
        response, html = request(port, "GET", path, headers={"Cookie": jar})
        cookies.update(cookies_set(response))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        response, _ = request(
            port,
            "POST",
            path,
            urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}),
            {
                "Content-Type": URLENCODED,
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                "Referer": f"https://127.0.0.1:{port}{path}",
            },
        )
        cookies.update(cookies_set(response))
        assert response.status == 302, f"signing in stopped at {path}"
        return response.getheader("Location")

    assert step("/admin/login/", STAFF).endswith("/admin/sign-in/code/")
    code = TOTP(bytes.fromhex(STAFF_APP_KEY)).token()
    step("/admin/sign-in/code/", {"code": f"{code:06d}"})
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def test_a_stalled_staff_upload_leaves_no_file(site):
    """Staff may send 4 MB; 3 MB arrive and then nothing: the worker is
    killed after GUNICORN_TIMEOUT, and nothing was ever written to disk."""
    port, uploads = site
    cookie = sign_in(port)
    before = files_in(uploads)
    url = "/admin/treatments/treatment/add/"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(multipart_start(port, 4 * MB, url, cookie) + os.urandom(3 * MB))
        time.sleep(1)  # the worker is reading what arrived
        during = files_in(uploads)
        answer = read_until_closed(sock, 20)
    # Let through (staff), not refused: the worker waited for the rest.
    assert not answer.startswith((b"HTTP/1.1 413", b"HTTP/1.1 415"))
    assert during == before
    assert files_in(uploads) == before


def test_a_stalled_anonymous_upload_is_refused_at_once(site):
    port, uploads = site
    cookie = csrf_cookie(port, "/enquire/")
    before = files_in(uploads)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        start = multipart_start(port, 100 * MB, "/enquire/", cookie)
        sock.sendall(start + os.urandom(3 * MB))
        time.sleep(1)  # what a worker reading the body would have written
        during = files_in(uploads)
        answer = read_until_closed(sock, 10)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert during == before
    assert files_in(uploads) == before


def test_multipart_body_under_the_limit_is_refused_on_the_enquiry_form(site):
    port, _ = site
    body = encode_multipart(BOUNDARY, {"name": "Pat", "message": "hello"})
    head = (
        "POST /enquire/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
        f"Content-Type: {MULTIPART_CONTENT}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + body)
        answer = read_until_closed(sock, 10)
    assert answer.startswith(b"HTTP/1.1 415 ")
