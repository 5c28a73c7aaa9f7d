"""Health checks: /healthz/ for the load balancer (can this host serve?) and
/healthz/deep/ for monitoring (each dependency)."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.utils import timezone

from enquiries.models import Enquiry
from tests.factories import EnquiryFactory
from tests.helpers import CLOSED_PORT_REDIS

pytestmark = pytest.mark.django_db


def database_down():
    return mock.patch.object(
        connections["default"],
        "cursor",
        side_effect=OperationalError("could not connect to server"),
    )


def unsent_enquiry(minutes_ago):
    enquiry = EnquiryFactory(notification_sent_at=None)
    Enquiry.objects.filter(pk=enquiry.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return enquiry


def deep(client):
    response = client.get("/healthz/deep/")
    assert response["Content-Type"] == "application/json"
    return response, json.loads(response.content)


# /healthz/: the load balancer's check -----------------------------------------


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_healthz_stays_ok_when_the_cache_is_down(client, settings):
    # Pages are rendered without the cache, so the host can still serve: a
    # Redis outage must not take every host out of the load balancer.
    settings.CACHES = CLOSED_PORT_REDIS
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_healthz_is_503_when_the_database_is_down(client):
    with database_down():
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.content == b"unavailable: database\n"


def test_healthz_never_comes_from_a_cache(client):
    client.get("/healthz/")
    with database_down():
        assert client.get("/healthz/").status_code == 503


def test_healthz_ignores_the_mail_backlog(client):
    unsent_enquiry(minutes_ago=120)
    assert client.get("/healthz/").status_code == 200


# /healthz/deep/: monitoring ---------------------------------------------------


def test_deep_check_reports_every_dependency_ok(client):
    response, body = deep(client)
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["failed"] == []
    assert set(body["checks"]) == {"database", "cache", "mail_backlog"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_deep_check_is_503_naming_the_cache_when_it_is_down(client, settings):
    settings.CACHES = CLOSED_PORT_REDIS
    response, body = deep(client)
    assert response.status_code == 503
    assert body["failed"] == ["cache"]
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_deep_check_is_503_naming_the_database_when_it_is_down(client):
    with database_down():
        response, body = deep(client)
    assert response.status_code == 503
    # The backlog is counted in the database, so it cannot be read either.
    assert body["failed"] == ["database", "mail_backlog"]
    assert body["checks"]["database"]["error"] == "OperationalError"


def test_deep_check_fails_on_a_notification_unsent_too_long(client, settings):
    settings.HEALTH_MAIL_BACKLOG_MINUTES = 15
    enquiry = unsent_enquiry(minutes_ago=20)
    response, body = deep(client)
    assert response.status_code == 503
    assert body["failed"] == ["mail_backlog"]
    assert body["checks"]["mail_backlog"]["error"] == (
        "1 notification(s) unsent after 15 minutes"
    )
    # A count only: nothing the patient sent, not even the reference.
    text = response.content.decode()
    for value in (enquiry.name, enquiry.email, enquiry.message, enquiry.reference):
        assert value not in text


def test_deep_check_allows_a_recent_or_sent_notification(client, settings):
    settings.HEALTH_MAIL_BACKLOG_MINUTES = 15
    unsent_enquiry(minutes_ago=5)
    sent = unsent_enquiry(minutes_ago=60)
    Enquiry.objects.filter(pk=sent.pk).update(notification_sent_at=timezone.now())
    response, body = deep(client)
    assert response.status_code == 200
    assert body["checks"]["mail_backlog"]["ok"] is True


@pytest.mark.parametrize("url", ["/healthz/", "/healthz/deep/"])
def test_health_checks_are_exempt_from_the_https_redirect(client, settings, url):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(url).status_code == 200
    assert client.get("/treatments/").status_code == 301


@pytest.mark.parametrize("url", ["/healthz/", "/healthz/deep/"])
def test_health_checks_answer_get_and_head_only(client, url):
    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200
