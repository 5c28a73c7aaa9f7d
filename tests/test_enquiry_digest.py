"""manage.py send_enquiry_digest: the clinic's daily summary of the queue.
Counts and a link only; never a patient's name, contact details or message."""

import logging
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from enquiries.models import Enquiry
from tests.factories import EnquiryFactory
from tests.helpers import silent_port

pytestmark = pytest.mark.django_db

PRIVATE = {
    "name": "Digby Digestname",
    "email": "digby.digest@example.com",
    "phone": "07700 900321",
    "message": "Osgood-Schlatter flare since Tuesday",
}


def run():
    out = StringIO()
    call_command("send_enquiry_digest", stdout=out)
    return out.getvalue().strip()


def received(ago, **kwargs):
    """An enquiry received `ago` before now (created_at is auto_now_add)."""
    enquiry = EnquiryFactory(**kwargs)
    Enquiry.objects.filter(pk=enquiry.pk).update(created_at=timezone.now() - ago)
    return enquiry


@pytest.fixture
def queue(clinic):
    """2 new today (1 unsent), 1 open and overdue from last week, 1 closed."""
    now = timezone.now()
    sent = {"notification_sent_at": now}
    received(timedelta(hours=1), reply_due_at=now + timedelta(days=2), **PRIVATE)
    received(timedelta(hours=23), reply_due_at=now + timedelta(days=1), **sent)
    received(timedelta(days=6), reply_due_at=now - timedelta(days=3), **sent)
    received(
        timedelta(days=8),
        status=Enquiry.Status.CLOSED,
        reply_due_at=now - timedelta(days=5),
        **sent,
    )


def test_the_digest_counts_new_open_overdue_and_unsent(queue, clinic, settings):
    output = run()
    (message,) = mail.outbox
    assert message.to == [clinic.enquiry_notification_email]
    assert message.subject == "Enquiries: 2 new, 3 open, 1 overdue"
    lines = message.body.splitlines()
    assert "New in the last 24 hours: 2" in lines
    assert "Open (waiting for a first reply): 3" in lines
    assert "Overdue (reply due time passed): 1" in lines
    assert "Notification email not sent yet: 1" in lines
    assert f"{settings.SITE_URL}/admin/enquiries/enquiry/" in lines
    assert output == (
        f"Digest sent to {clinic.enquiry_notification_email}: 2 new in the last "
        "24 hours, 3 open, 1 overdue, 1 with the notification unsent."
    )


def test_the_queue_link_is_on_the_sites_public_address(queue, settings):
    settings.SITE_URL = "https://clinic.example"
    run()
    assert "https://clinic.example/admin/enquiries/enquiry/" in (
        mail.outbox[0].body.splitlines()
    )


def test_no_patient_data_in_the_email_the_output_or_the_logs(queue, caplog):
    with caplog.at_level(logging.DEBUG):
        output = run()
    (message,) = mail.outbox
    sent = "\n".join([message.subject, message.body, output, caplog.text])
    for value in PRIVATE.values():
        assert value not in sent
    assert Enquiry.objects.get(name=PRIVATE["name"]).reference not in sent


def test_an_empty_queue_still_sends_a_digest_of_zeros(clinic):
    run()
    assert mail.outbox[0].subject == "Enquiries: 0 new, 0 open, 0 overdue"


def test_without_clinic_details_it_says_so_and_sends_nothing(db):
    with pytest.raises(CommandError, match="No clinic details"):
        run()
    assert mail.outbox == []


def test_a_refusing_mail_server_is_a_clear_error(queue, settings):
    settings.EMAIL_BACKEND = "tests.helpers.FailingBackend"
    with pytest.raises(CommandError, match=r"^Digest not sent \(ConnectionRefused"):
        run()


def test_a_hanging_mail_server_fails_within_the_email_timeout(queue, settings):
    with silent_port() as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 1
        started = time.monotonic()
        with pytest.raises(CommandError, match="Digest not sent"):
            run()
        assert time.monotonic() - started < 10
