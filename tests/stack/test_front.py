"""What nginx does in front of the app hosts: HTTPS with HTTP/2, the redirect
from HTTP, the app's security headers, static files with far-future headers,
headers a client must not choose, and the limits."""

import socket
import ssl
import time

import pytest

from scripts.stack import request, tls_context

pytestmark = pytest.mark.stack

TREATMENT = "/treatments/dry-needling/"


def test_http_redirects_to_the_same_address_on_https(stack):
    status, headers, _ = request("GET", stack.http_url + "/treatments/?q=1")
    assert status == 301
    assert headers["location"] == stack.base_url + "/treatments/?q=1"


def test_https_speaks_http2_with_the_stacks_own_certificate(stack):
    context = tls_context(stack.cert)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}


def test_pages_carry_the_apps_security_headers_once(stack, stack_client):
    status, headers, _ = stack_client.get(stack, TREATMENT)
    assert status == 200
    assert headers["strict-transport-security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["server"] == "nginx"  # no version (server_tokens off)


def test_hashed_static_files_come_from_nginx_cached_for_ever(stack, stack_client):
    _, _, page = stack_client.get(stack, "/")
    css = next(
        part.split('"', 1)[0]
        for part in page.decode().split('href="')[1:]
        if part.startswith("/static/css/site.")
    )
    status, headers, body = stack_client.get(
        stack, css, headers={"Accept-Encoding": "br"}
    )
    assert status == 200
    assert headers["cache-control"] == "max-age=315360000, public, immutable"
    assert headers["content-encoding"] == "br"  # whitenoise's .br copy
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "x-request-id" not in headers  # never reached an app host
    plain = stack_client.get(stack, css)[2]
    assert len(body) < len(plain)


def test_a_client_cannot_choose_the_request_id(stack, stack_client):
    _, headers, _ = stack_client.get(
        stack, "/healthz/", headers={"X-Request-ID": "chosen-by-the-client-123"}
    )
    assert headers["x-request-id"] != "chosen-by-the-client-123"
    assert len(headers["x-request-id"]) == 32  # nginx's $request_id


def test_headers_with_underscores_never_reach_the_app(stack, stack_client):
    # The app refuses a SCRIPT_NAME with a 400; nginx drops the header first.
    status, _, body = stack_client.get(
        stack, TREATMENT, headers={"SCRIPT_NAME": "/treatments/dry-needling"}
    )
    assert status == 200
    assert b"<h1" in body and b"Dry needling" in body


def test_an_unknown_host_gets_no_answer(stack):
    with pytest.raises((ConnectionError, OSError)):
        request(
            "GET",
            stack.base_url + "/",
            headers={"Host": "evil.example"},
            cert=stack.cert,
        )


def test_a_public_body_over_the_apps_limit_is_refused_by_nginx(stack):
    big = b"x" * (1024 * 1024 + 1)
    status, headers, _ = request(
        "POST",
        stack.base_url + "/enquire/",
        body=big,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        cert=stack.cert,
        source="127.0.20.1",
    )
    assert status == 413
    assert "x-request-id" not in headers  # nginx answered, no app host


@pytest.mark.parametrize(
    ("path", "refused_by_nginx"),
    [("/admin/login/", True), ("/admin/treatments/treatment/add/", False)],
)
def test_admin_bodies_have_the_staff_limit_except_the_sign_in(
    stack, path, refused_by_nginx
):
    """2 MB: over the public limit, under the staff upload limit. The sign-in
    form keeps the public limit; other admin pages pass it on to the app,
    which refuses it too unless a signed-in member of staff sent it."""
    status, headers, _ = request(
        "POST",
        stack.base_url + path,
        body=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        cert=stack.cert,
        source="127.0.20.2",
    )
    assert status == 413
    assert ("x-request-id" in headers) is not refused_by_nginx


@pytest.mark.parametrize(
    ("path", "source"), [("/enquire/", "127.0.21.1"), ("/admin/login/", "127.0.21.2")]
)
def test_a_flood_of_form_posts_is_turned_away(stack, path, source):
    # rate=10r/m with burst=5: the first 6 pass to the app (which answers
    # 403 without a CSRF token), the rest get nginx's 429.
    statuses = [
        request(
            "POST",
            stack.base_url + path,
            body="x=1",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            cert=stack.cert,
            source=source,
        )[0]
        for _ in range(10)
    ]
    assert statuses[:6] == [403] * 6
    assert statuses[6:] == [429] * 4
    # GETs from this address go on, as do POSTs from another.
    again = request("GET", stack.base_url + path, cert=stack.cert, source=source)
    assert again[0] == 200
    other = request(
        "POST",
        stack.base_url + path,
        body="x=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        cert=stack.cert,
        source="127.0.21.3" if path == "/enquire/" else "127.0.21.4",
    )
    assert other[0] == 403


def test_a_forged_x_forwarded_for_does_not_buy_more_enquiries(stack, stack_client):
    """nginx overwrites X-Forwarded-For, so the app's limit of 5 accepted
    enquiries per client holds whatever the client claims to be."""
    statuses = []
    for number in range(6):
        status, headers, body = stack_client.post_enquiry(
            stack,
            f"Forged address {number} {time.time_ns()}",
            "127.0.23.1",
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        )
        statuses.append(status)
    assert statuses == [302] * 5 + [429]
    # The app's own 429 page (with the clinic's phone number), not nginx's.
    assert "x-request-id" in headers
    assert b"nginx" not in body


def test_connections_per_address_are_limited(stack):
    """One address holding 40 slow requests gets 32; the rest are refused.
    (To a path without limit_req, so only limit_conn counts.)"""
    context = tls_context(stack.cert)
    held, answers = [], []
    try:
        for _ in range(40):
            raw = socket.create_connection(
                ("127.0.0.1", stack.https_port),
                timeout=5,
                source_address=("127.0.22.1", 0),
            )
            tls = context.wrap_socket(raw, server_hostname="127.0.0.1")
            tls.sendall(
                b"POST /privacy/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\nx"
            )
            held.append(tls)
        time.sleep(0.5)
        for tls in held:
            tls.settimeout(0.2)
            try:
                answers.append(tls.recv(100))
            except (TimeoutError, ssl.SSLError):
                answers.append(b"")  # still waiting for its body: held
    finally:
        for tls in held:
            tls.close()
    refused = [a for a in answers if a.startswith(b"HTTP/1.1 429")]
    assert len(refused) == 8
    assert answers.count(b"") == 32
