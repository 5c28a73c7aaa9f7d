"""The site's own error pages for 400, 403, 404 and 500, which never read the
body again; forms in any charset but UTF-8 refused with 400; every log line
one line with its request id, gunicorn's included.

Django's default handlers read `request.POST` again (`requires_csrf_token`):
a form sent as `charset=latin-1` raised again inside them, and gunicorn
answered with its own bare 500 and a traceback of hundreds of lines.
"""

import http.client
import io
import re
import runpy
import urllib.parse

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import RequestFactory
from gunicorn.config import Config

from clinic_site import errors
from clinic_site.logs import request_id_var
from clinic_site.request_limits import CHARSET_REFUSED
from tests.factories import StaffFactory
from tests.helpers import BrowserClient, production_site, soup

pytestmark = pytest.mark.django_db

URLENCODED = "application/x-www-form-urlencoded"
TITLE_400 = "Sorry, we could not accept that"
# One record per line, as clinic_site.logs.LINE_FORMAT writes them.
LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"\[(?P<id>-|[A-Za-z0-9._-]{8,64})\] (?P<logger>[\w.]+) \S.*"
)


class UnreadBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = readinto = read


def latin1_post(path="/enquire/"):
    """A POST whose form says latin-1 and whose body must not be read."""
    return RequestFactory().generic(
        "POST",
        path,
        CONTENT_LENGTH="40",
        CONTENT_TYPE=f"{URLENCODED}; charset=latin-1",
        **{"wsgi.input": UnreadBody()},
    )


# The handlers -----------------------------------------------------------------

HANDLERS = [
    ("handler400", lambda r: errors.bad_request(r, None), 400, TITLE_400),
    ("handler403", lambda r: errors.permission_denied(r, None), 403, "You cannot"),
    ("handler404", lambda r: errors.page_not_found(r, None), 404, "Page not found"),
    ("handler500", errors.server_error, 500, "Sorry, there is a problem"),
]


def test_the_site_registers_its_own_handlers():
    from clinic_site import urls

    assert [getattr(urls, name) for name, *_ in HANDLERS] == [
        "clinic_site.errors.bad_request",
        "clinic_site.errors.permission_denied",
        "clinic_site.errors.page_not_found",
        "clinic_site.errors.server_error",
    ]


@pytest.mark.parametrize(("name", "handler", "status", "title"), HANDLERS)
def test_a_handler_reads_no_body_and_no_database(
    name, handler, status, title, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = handler(latin1_post())
    assert response.status_code == status
    assert soup(response).h1.get_text().startswith(title)
    assert "no-store" in response["Cache-Control"]


def test_a_form_that_cannot_be_read_gets_the_400_page_not_a_500():
    """Too many fields: the CSRF check's read of the body fails, and the
    site's 400 page answers, with the site's headers."""
    client = BrowserClient(enforce_csrf_checks=True)
    token = client.get("/admin/login/").cookies["csrftoken"].value
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}
    response = client.post(
        "/admin/login/", {"csrfmiddlewaretoken": token, "username": "a", **fields}
    )
    assert response.status_code == 400
    assert soup(response).h1.get_text() == TITLE_400
    assert "Content-Security-Policy" in response


def test_a_permission_error_gets_the_403_page(client):
    client.force_login(StaffFactory())  # staff, but in no group
    response = client.get("/admin/treatments/treatment/add/")
    assert response.status_code == 403
    assert soup(response).h1.get_text() == "You cannot open this page"
    assert "Content-Security-Policy" in response


# Charsets ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/enquire/", "/admin/login/"])
@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "foo", "utf-16", "utf8"])
def test_a_form_in_another_charset_is_refused_unread(client, path, charset):
    response = client.generic(
        "POST",
        path,
        CONTENT_LENGTH="40",
        CONTENT_TYPE=f"{URLENCODED}; charset={charset}",
        **{"wsgi.input": UnreadBody()},
    )
    assert response.status_code == 400
    page = soup(response)
    assert page.h1.get_text() == TITLE_400
    assert CHARSET_REFUSED in page.main.get_text()
    assert "Go back to the form" in page.main.get_text()
    assert "Content-Security-Policy" in response
    assert response["X-Request-ID"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8"])
def test_a_form_in_utf8_is_read(client, clinic, charset):
    response = client.post(
        "/enquire/",
        "name=Jos%C3%A9",
        content_type=f"{URLENCODED}; charset={charset}",
    )
    assert response.status_code == 200  # the form, with its errors
    assert soup(response).find(id="id_name")["value"] == "José"


# gunicorn's log ---------------------------------------------------------------


def test_gunicorn_logs_a_traceback_on_one_line_with_the_request_id(tmp_path):
    logger_class = runpy.run_path(
        str(settings.BASE_DIR / "clinic_site" / "gunicorn.conf.py")
    )["logger_class"]
    config = Config()
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = logger_class(config)
    token = request_id_var.set("3f2a9c1e0b7d4a55")
    try:
        try:
            raise ValueError("what went wrong")
        except ValueError:
            logger.exception("Error handling request %s", "/enquire/")
    finally:
        request_id_var.reset(token)
        for handler in list(logger.error_log.handlers):
            logger.error_log.removeHandler(handler)
            handler.close()
    lines = (tmp_path / "error.log").read_text().splitlines()
    assert len(lines) == 1
    match = LOG_LINE.fullmatch(lines[0])
    assert match, lines[0]
    assert match["id"] == "3f2a9c1e0b7d4a55"
    assert match["logger"] == "gunicorn.error"
    assert "Error handling request /enquire/\\nTraceback" in lines[0]
    assert lines[0].endswith("ValueError: what went wrong")


# Through gunicorn -------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("errors")
    env = {"DJANGO_LOG_LEVEL": "INFO", "DJANGO_TRUSTED_PROXY_COUNT": "1"}
    with production_site(log_dir, **env) as (base, _env, _tmp, log):
        yield int(base.rsplit(":", 1)[1]), log


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"X-Forwarded-Proto": "https", **(headers or {})}
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        return response, response.read().decode()
    finally:
        connection.close()


def post_as_a_browser(port, path, charset):
    """GET the form, then POST it back with its CSRF cookie, token and
    Referer (so the CSRF check reads the body), in `charset`."""
    response, html = request(port, "GET", path)
    cookie = re.search(r"csrftoken=[^;]+", response.getheader("Set-Cookie"))[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "name": "José", "username": "José"},
        encoding="latin-1",
    )
    return request(
        port,
        "POST",
        path,
        body,
        {
            "Content-Type": f"{URLENCODED}; charset={charset}",
            "Cookie": cookie,
            "Referer": f"https://127.0.0.1:{port}{path}",
        },
    )


@pytest.mark.parametrize("path", ["/enquire/", "/admin/login/"])
@pytest.mark.parametrize("charset", ["latin-1", "foo"])
def test_gunicorn_answers_another_charset_with_the_sites_400(site, path, charset):
    port, log = site
    response, html = post_as_a_browser(port, path, charset)
    assert response.status == 400
    page = BeautifulSoup(html, "html.parser")
    assert page.h1.get_text() == TITLE_400
    assert response.getheader("Content-Security-Policy")
    assert response.getheader("Strict-Transport-Security")
    request_id = response.getheader("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # Django logged the refusal on one line under the same id.
    logged = [LOG_LINE.fullmatch(line) for line in log.read_text().splitlines()]
    assert any(
        match and match["id"] == request_id and match["logger"] == "django.request"
        for match in logged
    )


def test_every_line_gunicorn_and_django_wrote_is_one_record(site):
    port, log = site
    for path in ("/enquire/", "/admin/login/"):
        post_as_a_browser(port, path, "latin-1")
    request(port, "GET", "/no-such-page/")
    lines = log.read_text().splitlines()
    assert any("gunicorn.error" in line for line in lines)
    assert any("django.request" in line for line in lines)
    for line in lines:
        assert LOG_LINE.fullmatch(line), line
    assert not any("Traceback" in line for line in lines)
