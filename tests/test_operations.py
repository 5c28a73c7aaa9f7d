"""Operations: health check, 500 page with the database down, request-id logs
that carry no personal data, gunicorn's configuration."""

import importlib.util
import logging
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test import Client

from tests.conftest import CLOSED_PORT_REDIS, soup
from tests.factories import valid_enquiry_data
from treatments.middleware import OneLineFormatter, RequestIDFilter

pytestmark = pytest.mark.django_db


def database_down():
    return mock.patch.object(
        connections["default"],
        "cursor",
        side_effect=OperationalError("could not connect to server"),
    )


# /healthz/ ---------------------------------------------------------------------


def test_healthz_is_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_healthz_is_503_when_the_database_is_down(client):
    with database_down():
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.content == b"unavailable: database\n"


def test_healthz_is_503_when_the_cache_is_down(client, settings):
    settings.CACHES = CLOSED_PORT_REDIS
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.content == b"unavailable: cache\n"


def test_healthz_never_comes_from_a_cache(client):
    client.get("/healthz/")
    with database_down():
        assert client.get("/healthz/").status_code == 503


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
    assert response["X-Request-ID"] != bad


def test_log_lines_are_one_line_each():
    formatter = OneLineFormatter("%(message)s")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "first\nsecond", None, True
        )
        record.exc_info = sys.exc_info()
    assert "\n" not in formatter.format(record)


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
