"""Simultaneous submissions on PostgreSQL: every enquiry saved and notified once."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from enquiries.models import Enquiry
from enquiries.services import enquiries_notify_pending
from tests.factories import ClinicDetailsFactory
from tests.helpers import BrowserClient, valid_enquiry_data

SUBMISSIONS = 50

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrency test needs PostgreSQL (CI's second pass runs it)",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_enquiries_from_different_ips(settings):
    settings.ENQUIRY_RATE_LIMIT = 1
    ClinicDetailsFactory()
    barrier = threading.Barrier(SUBMISSIONS, timeout=30)
    statuses = []

    def submit(i):
        try:
            client = BrowserClient(REMOTE_ADDR=f"198.51.100.{i}")
            data = valid_enquiry_data(name=f"Patient {i}")
            barrier.wait()
            statuses.append(client.post("/enquire/", data).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert statuses == [302] * SUBMISSIONS
    names = sorted(Enquiry.objects.values_list("name", flat=True))
    assert names == sorted(f"Patient {i}" for i in range(SUBMISSIONS))
    assert mail.outbox == []  # no request emails; the sender does

    # Two notification senders at once (two hosts): each enquiry sent once.
    def sender():
        try:
            enquiries_notify_pending()
        finally:
            connections.close_all()

    senders = [threading.Thread(target=sender) for _ in range(2)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in senders)
    assert Enquiry.objects.filter(notification_sent_at__isnull=True).count() == 0
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == SUBMISSIONS
    assert len(set(subjects)) == SUBMISSIONS


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_from_one_ip_never_exceed_the_limit(settings):
    settings.ENQUIRY_RATE_LIMIT = 3
    ClinicDetailsFactory()
    workers = 12
    barrier = threading.Barrier(workers, timeout=30)
    statuses = []

    def submit():
        try:
            client = BrowserClient(REMOTE_ADDR="203.0.113.5")
            barrier.wait()
            statuses.append(client.post("/enquire/", valid_enquiry_data()).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302] * 3 + [429] * (workers - 3)
    assert Enquiry.objects.count() == 3
