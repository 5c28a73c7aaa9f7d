"""nginx's page cache (deploy/nginx/page-cache.conf, purge.conf) in front of the
site, and the purge the site sends after a content change.

Each test starts its own nginx on a spare loopback port with the shipped
snippets, in front of pytest-django's live server; purge failures use a
closed port, a server that never answers, or a small local HTTP server.
"""

import gzip
import http.client
import http.server
import io
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import brotli
import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clinic.models import ClinicDetails
from clinic_site.pagecache import clear_public_pages
from clinic_site.pagecache.encoding import preferred_encoding
from clinic_site.pagecache.purge import (
    PURGE_TIMEOUT_SECONDS,
    public_page_paths,
    purge_public_pages,
)
from scripts.server import free_port
from tests.factories import TreatmentFactory, TreatmentPointFactory
from tests.helpers import require
from treatments.models import Treatment

NGINX = Path("/usr/sbin/nginx")
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")
DEPLOY = Path(django_settings.BASE_DIR) / "deploy" / "nginx"
PUBLIC_URLS = ["/", "/treatments/", "/treatments/purged/", "/privacy/"]
ENCODINGS = {"br": "br", "gzip": "gzip", "identity": ""}
# Seconds a save may take on top of the purge's own limit (the test's machine
# is shared and slow); far below what a hanging purge would add.
SLACK = 1.5

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
load_module {module};
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=clinic_pages:1m
                     max_size=10m inactive=1h use_temp_path=off;
    include {tmp}/purge.conf;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_set_header Host 127.0.0.1;
            proxy_set_header X-Request-ID $request_id;
            include {deploy}/page-cache.conf;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, tmp, upstream):
        self.port = free_port()
        self.purge_port = free_port()
        self.purge_url = f"http://127.0.0.1:{self.purge_port}"
        tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "purge.conf").write_text(
            (DEPLOY / "purge.conf")
            .read_text()
            .replace("{{STACK_PURGE_PORT}}", str(self.purge_port))
        )
        conf = tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=tmp,
                port=self.port,
                upstream=upstream,
                deploy=DEPLOY,
                module=PURGE_MODULE,
                # As root, workers would run as nobody: keep them as us.
                user="user root;" if _is_root() else "",
            )
        )
        self.error_log = tmp / "error.log"
        self.process = subprocess.Popen(  # noqa: S603
            [NGINX, "-c", conf, "-p", tmp, "-e", self.error_log],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _listening(self.port) or not _listening(self.purge_port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"nginx did not start: {self.error_log.read_text()}")
            time.sleep(0.05)

    def get(self, path, accept_encoding=None, method="GET", headers=None):
        return _request(self.port, path, accept_encoding, method, headers)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _is_root():
    return os.geteuid() == 0


def _listening(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Response:
    def __init__(self, response, body):
        self.status = response.status
        self.headers = response.headers
        self.body = body

    def __getitem__(self, name):
        return self.headers[name]

    def get(self, name, default=None):
        return self.headers.get(name, default)

    @property
    def text(self):
        decode = {"br": brotli.decompress, "gzip": gzip.decompress}.get(
            self.headers.get("Content-Encoding"), bytes
        )
        return decode(self.body).decode()


def _request(port, path, accept_encoding=None, method="GET", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = dict(headers or {})
        headers["Accept-Encoding"] = accept_encoding or "identity"
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return Response(response, response.read())
    finally:
        connection.close()


@pytest.fixture
def nginx(live_server, tmp_path):
    require(
        NGINX.exists() and PURGE_MODULE.exists(),
        "nginx with the cache purge module",
        "install it with `sudo apt-get install nginx libnginx-mod-http-cache-purge`",
    )
    server = Nginx(tmp_path / "nginx", live_server.url.removeprefix("http://"))
    yield server
    server.stop()


@pytest.fixture
def treatment(transactional_db, clinic):
    return TreatmentFactory(name="Purged therapy", slug="purged")


@pytest.fixture
def purging(nginx, settings, treatment):
    """The site purges `nginx` (content made first, without purges)."""
    settings.PAGE_CACHE_PURGE_URLS = [nginx.purge_url]
    return nginx


def fill(nginx, urls=PUBLIC_URLS):
    """Every page in every encoding cached by nginx (a miss, then a hit)."""
    for url in urls:
        for accept in ENCODINGS.values():
            nginx.get(url, accept)
            assert nginx.get(url, accept)["X-Cache-Status"] == "HIT", url


# nginx caches what the site marks as public -------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_nginx_serves_public_pages_from_its_cache(nginx, treatment, url):
    first = nginx.get(url, "br")
    second = nginx.get(url, "br")
    assert first.status == second.status == 200
    assert first["X-Cache-Status"] == "MISS"
    assert second["X-Cache-Status"] == "HIT"
    assert second.body == first.body
    assert second.text.rstrip().endswith("</html>")


@pytest.mark.parametrize("url", ["/enquire/", "/enquire/thanks/", "/admin/login/"])
def test_nginx_never_caches_private_pages(nginx, treatment, url):
    for _ in range(2):
        response = nginx.get(url, "br, gzip")
        assert response["X-Cache-Status"] == "MISS"
        assert "Content-Encoding" not in response.headers


def test_a_404_is_not_cached(nginx, treatment):
    assert nginx.get("/treatments/not-yet/").status == 404
    TreatmentFactory(slug="not-yet")
    assert nginx.get("/treatments/not-yet/").status == 200


def test_a_session_cookie_bypasses_the_cache(nginx, treatment):
    nginx.get("/treatments/purged/")
    Treatment.objects.filter(pk=treatment.pk).update(name="Seen by staff")
    clear_public_pages()
    response = nginx.get("/treatments/purged/", headers={"Cookie": "sessionid=x"})
    assert response["X-Cache-Status"] == "BYPASS"
    assert "Seen by staff" in response.text
    # ... and the visitor without one still gets nginx's copy.
    assert "Purged therapy" in nginx.get("/treatments/purged/").text


@pytest.mark.parametrize(
    "accept_encoding",
    [
        "gzip, deflate, br",
        "br",
        "gzip",
        "deflate, gzip;q=0.5",
        "br;q=0, gzip",
        "gzip;q=0, br;q=0",
        "br;q=0.0, gzip;q=1.0",
        "identity",
        "x-gzip-ish, brotli",
    ],
)
def test_nginx_keys_each_page_by_the_encoding_the_site_picks(
    nginx, treatment, accept_encoding
):
    """The map in purge.conf and the site agree on the encoding, so the
    entry under each key holds the body that key stands for."""
    response = nginx.get("/treatments/purged/", accept_encoding)
    expected = preferred_encoding(accept_encoding)
    assert response.get("Content-Encoding", "") == expected
    assert "Purged therapy" in response.text


def test_browsers_sending_different_headers_share_one_entry(nginx, treatment):
    assert nginx.get("/treatments/purged/", "gzip, deflate, br")["X-Cache-Status"]
    hit = nginx.get("/treatments/purged/", "br, gzip")
    assert hit["X-Cache-Status"] == "HIT"
    assert hit["Content-Encoding"] == "br"


@pytest.mark.parametrize("accept", list(ENCODINGS.values()))
def test_headers_from_nginx_cache_are_the_sites_own(
    nginx, live_server, treatment, accept
):
    nginx.get("/treatments/purged/", accept)
    cached = nginx.get("/treatments/purged/", accept)
    assert cached["X-Cache-Status"] == "HIT"
    direct = _request(
        int(live_server.url.rsplit(":", 1)[1]),
        "/treatments/purged/",
        accept,
        # What nginx sends the app.
        headers={"Host": "127.0.0.1"},
    )
    own = {"date", "server", "connection", "x-request-id", "x-cache-status"}
    cached_headers = {
        k.lower(): v for k, v in cached.headers.items() if k.lower() not in own
    }
    direct_headers = {
        k.lower(): v for k, v in direct.headers.items() if k.lower() not in own
    }
    assert cached_headers == direct_headers
    assert cached.body == direct.body
    # Each response carries its own request id, never the stored one.
    assert (
        cached["X-Request-ID"]
        != nginx.get("/treatments/purged/", accept)["X-Request-ID"]
    )


def test_nginx_answers_if_none_match_per_encoding(nginx, treatment):
    etag = nginx.get("/treatments/purged/", "br")["ETag"]
    assert (
        nginx.get("/treatments/purged/", "br", headers={"If-None-Match": etag}).status
        == 304
    )
    other = nginx.get("/treatments/purged/", "gzip", headers={"If-None-Match": etag})
    assert other.status == 200


# Purged the moment staff save content -----------------------------------------


def test_an_edit_shows_on_the_next_request_through_nginx(purging):
    fill(purging)
    clinic = ClinicDetails.load()
    clinic.phone = "01632 960123"
    clinic.save()
    for url in PUBLIC_URLS:
        for accept in ENCODINGS.values():
            response = purging.get(url, accept)
            assert response["X-Cache-Status"] == "MISS", (url, accept)
            assert "01632 960123" in response.text


def test_a_transaction_of_many_rows_purges_once(purging, treatment):
    fill(purging, ["/treatments/purged/"])
    with transaction.atomic():
        for number in range(5):
            TreatmentPointFactory(treatment=treatment, text=f"Point {number}")
        assert purging.get("/treatments/purged/")["X-Cache-Status"] == "HIT"
    response = purging.get("/treatments/purged/")
    assert response["X-Cache-Status"] == "MISS"
    assert "Point 4" in response.text


def test_unpublishing_takes_the_page_off_nginx_at_once(purging, treatment):
    fill(purging)
    treatment.status = Treatment.Status.DRAFT
    treatment.save()
    assert purging.get("/treatments/purged/").status == 404
    assert "Purged therapy" not in purging.get("/treatments/").text


def test_deleting_takes_the_page_off_nginx_at_once(purging, treatment):
    fill(purging)
    treatment.delete()
    assert purging.get("/treatments/purged/", "br").status == 404
    assert "Purged therapy" not in purging.get("/", "gzip").text


def test_a_new_slug_takes_the_old_address_off_nginx(purging, treatment):
    fill(purging)
    treatment.slug = "renamed"
    treatment.save()
    assert purging.get("/treatments/purged/", "br").status == 404
    assert purging.get("/treatments/renamed/", "br").status == 200


def test_clear_public_pages_purges_nginx_too(purging, treatment):
    """After a bulk change made without model saves, or a deploy."""
    fill(purging)
    Treatment.objects.filter(pk=treatment.pk).update(name="Bulk renamed")
    assert "Purged therapy" in purging.get("/treatments/purged/").text  # still
    clear_public_pages()
    assert "Bulk renamed" in purging.get("/treatments/purged/").text


# A purge that fails -----------------------------------------------------------


class CountingPurgeServer(http.server.ThreadingHTTPServer):
    """Answers every PURGE with `status`, after `delay` seconds."""

    def __init__(self, status=200, delay=0.0):
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_PURGE(self):  # noqa: N802 (the method's name)
                server.requests.append((self.path, self.headers.get("Accept-Encoding")))
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self):
        self.shutdown()
        self.server_close()


@pytest.fixture
def purge_server():
    server = CountingPurgeServer()
    yield server
    server.stop()


@pytest.fixture
def hanging_server():
    """Accepts connections (the kernel does) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def timed_save(treatment, text="Changed"):
    started = time.monotonic()
    treatment.summary = text
    treatment.save()
    return time.monotonic() - started


def variants():
    """How many PURGEs a content change sends one nginx: every public page
    (the sitemap's) in each of the three encodings."""
    return len(public_page_paths()) * 3


def test_every_public_page_is_purged_in_every_encoding(
    treatment, settings, purge_server
):
    settings.PAGE_CACHE_PURGE_URLS = [purge_server.url]
    draft = TreatmentFactory(slug="draft", status=Treatment.Status.DRAFT)
    purge_server.requests.clear()
    timed_save(treatment)
    paths = {path for path, _ in purge_server.requests}
    assert set(PUBLIC_URLS) <= paths
    assert draft.get_absolute_url() not in paths  # never public, never cached
    expected = {
        (path, encoding) for path in paths for encoding in ("br", "gzip", "identity")
    }
    assert sorted(purge_server.requests) == sorted(expected)  # each once
    assert len(purge_server.requests) == variants()


def test_one_purge_per_transaction_however_many_rows(treatment, settings, purge_server):
    settings.PAGE_CACHE_PURGE_URLS = [purge_server.url]
    with transaction.atomic():
        for number in range(5):
            TreatmentPointFactory(treatment=treatment, text=f"Point {number}")
        treatment.save()
        assert purge_server.requests == []  # nothing before the commit
    assert len(purge_server.requests) == variants()


def test_a_rolled_back_change_purges_nothing(treatment, settings, purge_server):
    settings.PAGE_CACHE_PURGE_URLS = [purge_server.url]
    with pytest.raises(RuntimeError), transaction.atomic():
        TreatmentPointFactory(treatment=treatment, text="Never kept")
        raise RuntimeError
    assert purge_server.requests == []


def test_the_clear_public_pages_command_purges(treatment, settings, purge_server):
    from django.core.management import call_command

    settings.PAGE_CACHE_PURGE_URLS = [purge_server.url]
    call_command("clear_public_pages", stdout=io.StringIO())
    assert len(purge_server.requests) == variants()


def test_a_purge_to_a_closed_port_is_logged_and_the_save_goes_on(
    treatment, settings, caplog
):
    settings.PAGE_CACHE_PURGE_URLS = ["http://127.0.0.1:1"]
    took = timed_save(treatment, "Saved anyway")
    assert took < SLACK
    assert Treatment.objects.get(pk=treatment.pk).summary == "Saved anyway"
    lines = [r for r in caplog.records if "not purged" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].getMessage() == (
        "Public pages not purged from nginx 127.0.0.1:1: ConnectionRefusedError "
        f"(0 of {variants()} purged)"
    )


def test_a_hanging_purge_server_delays_a_save_by_the_timeout_at_most(
    treatment, settings, caplog, hanging_server
):
    settings.PAGE_CACHE_PURGE_URLS = [hanging_server]
    took = timed_save(treatment, "Saved despite a hang")
    assert PURGE_TIMEOUT_SECONDS * 0.9 < took < PURGE_TIMEOUT_SECONDS + SLACK
    assert Treatment.objects.get(pk=treatment.pk).summary == "Saved despite a hang"
    assert "not purged from nginx" in caplog.text
    assert "TimeoutError" in caplog.text


def test_a_slow_purge_server_is_cut_off_at_the_timeout(treatment, settings, caplog):
    """Each answer takes 0.3 s: the whole purge still stops at the limit."""
    slow = CountingPurgeServer(delay=0.3)
    try:
        settings.PAGE_CACHE_PURGE_URLS = [slow.url]
        took = timed_save(treatment)
    finally:
        slow.stop()
    assert took < PURGE_TIMEOUT_SECONDS + SLACK
    assert "not purged from nginx" in caplog.text


def test_several_nginx_are_purged_at_once_and_one_failing_spares_the_others(
    treatment, settings, caplog, purge_server, hanging_server
):
    settings.PAGE_CACHE_PURGE_URLS = [
        hanging_server,
        purge_server.url,
        "http://127.0.0.1:1",
    ]
    took = timed_save(treatment)
    assert took < PURGE_TIMEOUT_SECONDS + SLACK  # not one limit per nginx
    assert len(purge_server.requests) == variants()
    failures = [
        r.getMessage() for r in caplog.records if "not purged" in r.getMessage()
    ]
    assert len(failures) == 2


@pytest.mark.parametrize(("status", "reason"), [(403, "HTTP 403"), (500, "HTTP 500")])
def test_a_refused_purge_is_logged(treatment, settings, caplog, status, reason):
    server = CountingPurgeServer(status=status)
    try:
        settings.PAGE_CACHE_PURGE_URLS = [server.url]
        timed_save(treatment)
    finally:
        server.stop()
    assert f": {reason} (0 of {variants()} purged)" in caplog.text


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:8081", "127.0.0.1:8081", "http://127.0.0.1:8081/purge"]
)
def test_a_purge_address_that_is_not_plain_http_is_logged(
    treatment, settings, caplog, url
):
    settings.PAGE_CACHE_PURGE_URLS = [url]
    timed_save(treatment)
    assert "not an http://host:port address" in caplog.text


def test_a_purge_log_line_holds_no_content_or_patient_data(treatment, settings, caplog):
    settings.PAGE_CACHE_PURGE_URLS = ["http://user:secret@127.0.0.1:1"]
    timed_save(treatment, "Some private words")
    assert "not purged" in caplog.text
    assert "secret" not in caplog.text
    assert "private words" not in caplog.text


def test_no_purge_urls_sends_nothing_and_reads_nothing(treatment, settings, caplog):
    settings.PAGE_CACHE_PURGE_URLS = []
    with CaptureQueriesContext(connection) as queries:
        assert purge_public_pages(["/treatments/purged/"]) is True
    assert len(queries) == 0
    assert "purge" not in caplog.text.lower()


def test_after_a_failed_purge_nginx_serves_the_old_page_for_max_age_at_most(
    nginx, settings, treatment
):
    """The stated bound: a page a purge missed lives in nginx no longer than
    the max-age the site gave it (PUBLIC_PAGE_MAX_AGE, 60 s by default), and
    the one request that fetches it afresh."""
    max_age = 2
    settings.PUBLIC_PAGE_MAX_AGE = max_age
    settings.PAGE_CACHE_PURGE_URLS = ["http://127.0.0.1:1"]  # purge fails
    nginx.get("/treatments/purged/")
    cached_at = time.monotonic()
    timed_save(treatment, "After the failed purge")
    stale = nginx.get("/treatments/purged/")
    assert stale["X-Cache-Status"] == "HIT"
    assert "After the failed purge" not in stale.text
    while time.monotonic() < cached_at + max_age + 10:
        if "After the failed purge" in nginx.get("/treatments/purged/").text:
            break
        time.sleep(0.1)
    fresh_after = time.monotonic() - cached_at
    assert "After the failed purge" in nginx.get("/treatments/purged/").text
    # The refetch is one render by the test's live server, on a shared and
    # sometimes busy machine: a few seconds at worst.
    assert fresh_after < max_age + 3
