"""Operations: 500 page with the database down, request-id logs that carry
no personal data, gunicorn's configuration (health checks: test_health.py)."""

import importlib.util
import logging
import re
import socket
import sys
import time
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, connections
from django.test import Client

from clinic_site.logs import OneLineFormatter, RequestIDFilter
from scripts.server import running_site
from tests.helpers import run_settings, soup, valid_enquiry_data

pytestmark = pytest.mark.django_db


def database_down():
    return mock.patch.object(
        connections["default"],
        "cursor",
        side_effect=OperationalError("could not connect to server"),
    )


# The 500 page ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/treatments/", "/enquire/"])
def test_500_page_renders_with_the_database_down(url, clinic):
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get(url)
    assert response.status_code == 500
    page = soup(response)
    assert page.h1.get_text() == "Sorry, there is a problem with the service"
    assert "public" not in response.get("Cache-Control", "")


def test_a_500_is_not_cached(clinic):
    client = Client(raise_request_exception=False)
    with database_down():
        assert client.get("/treatments/").status_code == 500
    assert client.get("/treatments/").status_code == 200


# Logging -----------------------------------------------------------------------


def test_every_response_has_a_request_id_and_logs_carry_it(client, caplog):
    caplog.handler.addFilter(RequestIDFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no-such-page/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    assert {r.request_id for r in records} == {request_id}


def test_a_plain_request_id_from_the_load_balancer_is_kept(client):
    response = client.get("/healthz/", HTTP_X_REQUEST_ID="lb-1234abcd")
    assert response["X-Request-ID"] == "lb-1234abcd"


@pytest.mark.parametrize("bad", ["x", "a b c d e f g h", "<script>abcdef", "z" * 65])
def test_an_odd_request_id_is_replaced(client, bad):
    response = client.get("/healthz/", HTTP_X_REQUEST_ID=bad)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_log_lines_are_one_line_each():
    formatter = OneLineFormatter("%(message)s")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "first\nsecond", None, True
        )
        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert "\n" not in line
    # Nothing is lost: the newlines are written as \n, the traceback kept.
    assert line.startswith("first\\nsecond\\nTraceback (most recent call last):")
    assert line.endswith("\\nValueError: boom")


def test_an_enquiry_leaves_no_personal_data_in_the_logs(
    client, clinic, caplog, django_capture_on_commit_callbacks
):
    data = valid_enquiry_data(
        name="Priya Privatename",
        email="priya.private@example.com",
        phone="07700 900456",
        preferred_contact="phone",
        message="My private shoulder trouble since the accident.",
    )
    with (
        caplog.at_level(logging.DEBUG),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/enquire/?utm=x", data)
        client.get("/enquire/thanks/")
        call_command("send_pending_notifications", stdout=StringIO())
    assert response.status_code == 302
    # The real logging path was captured: the notification's line is there.
    assert "Notification for enquiry" in caplog.text
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for value in (
        "Priya",
        "Privatename",
        "priya.private",
        "07700",
        "900456",
        "shoulder",
    ):
        assert value not in logged


# gunicorn ----------------------------------------------------------------------


def load_gunicorn_conf(monkeypatch, **env):
    for name in ("GUNICORN_WORKERS", "GUNICORN_BIND", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = Path(settings.BASE_DIR) / "clinic_site" / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_binds_to_loopback_and_port(monkeypatch):
    assert load_gunicorn_conf(monkeypatch).bind == "127.0.0.1:8000"
    assert load_gunicorn_conf(monkeypatch, PORT="8123").bind == "127.0.0.1:8123"


def test_gunicorn_workers_from_cpu_count_capped_and_overridable(monkeypatch):
    with mock.patch("multiprocessing.cpu_count", return_value=2):
        assert load_gunicorn_conf(monkeypatch).workers == 5
    with mock.patch("multiprocessing.cpu_count", return_value=64):
        assert load_gunicorn_conf(monkeypatch).workers == 9
    assert load_gunicorn_conf(monkeypatch, GUNICORN_WORKERS="3").workers == 3


def test_gunicorn_access_log_leaves_out_query_strings(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)
    assert "%(U)s" in conf.access_log_format
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(a)s"):
        assert atom not in conf.access_log_format
    assert conf.accesslog == "-"
    assert conf.graceful_timeout > 0
    assert conf.timeout > 0


def test_gunicorn_names_no_server_or_version(monkeypatch):
    import gunicorn
    import gunicorn.http.wsgi

    load_gunicorn_conf(monkeypatch)
    assert gunicorn.http.wsgi.SERVER == "web"
    assert gunicorn.__version__ not in gunicorn.http.wsgi.SERVER


def test_gunicorn_access_log_keeps_a_forged_path_on_one_line():
    with running_site(production=False) as (base, _env, tmp):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"GET /x%0a2026-11-27%20FORGED%20LINE%0d%00 HTTP/1.1\r\n"
                b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            assert sock.recv(100).startswith(b"HTTP/1.1 404")
        for _ in range(50):  # gunicorn logs after it answers: at most ~5 s
            log = (tmp / "access.log").read_bytes()
            if b"FORGED" in log:
                break
            time.sleep(0.1)
    assert b"\x00" not in log
    lines = log.decode().splitlines()
    assert not any(line.startswith("2026-11-27 FORGED") for line in lines)
    assert any(r"/x\n2026-11-27 FORGED LINE\r\x00" in line for line in lines)


def test_a_wrong_host_is_a_400_without_a_log_line(tmp_path):
    # In a fresh process with the real settings: pytest's own log capture
    # would otherwise see what the configured handlers never print.
    result = run_settings(
        tmp_path,
        "from django.test import Client; "
        "print(Client().get('/healthz/', HTTP_HOST='evil.example').status_code)",
        DJANGO_SETTINGS_MODULE="clinic_site.settings_test",  # no collectstatic
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "400"
    assert "evil.example" not in result.stderr


def test_admin_refuses_a_nul_byte_in_the_query_string(admin_client):
    response = admin_client.get("/admin/treatments/treatment/?status=%00")
    assert response.status_code == 400
    assert b"not allowed" in response.content
