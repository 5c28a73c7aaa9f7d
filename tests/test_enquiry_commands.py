"""Management commands: resend pending notifications, purge old enquiries."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from enquiries import services
from enquiries.models import Enquiry, SubmissionCount
from tests.factories import EnquiryFactory
from tests.helpers import valid_enquiry_data

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_pending_notifications_are_sent_once(clinic):
    pending = EnquiryFactory.create_batch(3)
    EnquiryFactory(notification_sent_at=timezone.now())
    assert (
        run("send_pending_notifications") == "Sent 3 notification(s); 0 still pending."
    )
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"New enquiry {e.reference}" for e in pending
    )
    assert (
        run("send_pending_notifications") == "Sent 0 notification(s); 0 still pending."
    )
    assert len(mail.outbox) == 3


def test_enquiry_saved_while_mail_was_down_is_sent_later(
    client, clinic, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.helpers.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/enquire/", valid_enquiry_data()).status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.notification_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert (
        run("send_pending_notifications") == "Sent 1 notification(s); 0 still pending."
    )
    enquiry.refresh_from_db()
    assert enquiry.notification_sent_at is not None
    assert mail.outbox[0].subject == f"New enquiry {enquiry.reference}"


def test_a_claimed_enquiry_is_not_sent_by_a_second_sender(clinic):
    enquiry = EnquiryFactory()
    assert services.enquiry_notify(enquiry.pk) is True
    assert services.enquiry_notify(enquiry.pk) is False
    assert len(mail.outbox) == 1


def test_notification_without_clinic_details_stays_pending():
    enquiry = EnquiryFactory()
    assert services.enquiry_notify(enquiry.pk) is False
    enquiry.refresh_from_db()
    assert enquiry.notification_sent_at is None


def test_purge_deletes_only_old_enquiries_and_says_how_many(clinic):
    old = EnquiryFactory.create_batch(2)
    Enquiry.objects.filter(pk__in=[e.pk for e in old]).update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )
    recent = EnquiryFactory()
    assert run("purge_enquiries", "--older-than", "365") == (
        "Deleted 2 enquiries older than 365 days."
    )
    assert list(Enquiry.objects.all()) == [recent]


def test_purge_drops_old_rate_limit_counts():
    long_ago = timezone.now() - datetime.timedelta(days=3)
    SubmissionCount.objects.create(key="k", window_start=long_ago, count=2)
    current = SubmissionCount.objects.create(
        key="k", window_start=timezone.now(), count=1
    )
    run("purge_enquiries", "--older-than", "30")
    assert list(SubmissionCount.objects.all()) == [current]


@pytest.mark.parametrize("days", ["0", "-5", "soon"])
def test_purge_refuses_a_bad_number_of_days(days):
    EnquiryFactory()
    with pytest.raises(CommandError):
        call_command("purge_enquiries", "--older-than", days)
    assert Enquiry.objects.count() == 1


def test_purge_without_older_than_keeps_the_retention_period(clinic, settings):
    settings.ENQUIRY_RETENTION_DAYS = 30
    old, recent = EnquiryFactory.create_batch(2)
    Enquiry.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31)
    )
    Enquiry.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=29)
    )
    assert run("purge_enquiries") == "Deleted 1 enquiries older than 30 days."
    assert list(Enquiry.objects.all()) == [recent]
