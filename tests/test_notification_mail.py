"""The clinic's notification email against real SMTP servers on 127.0.0.1:
one that accepts, one that refuses, one that accepts the connection and never
answers. No patient request waits on any of them."""

import logging
import socket
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from enquiries import services
from enquiries.models import Enquiry
from scripts.server import free_port
from tests.factories import EnquiryFactory
from tests.helpers import ENQUIRY_CHANGELIST, soup, valid_enquiry_data

pytestmark = pytest.mark.django_db

PRIVATE = ["Pat Private", "pat.private@example.com", "07700 900456", "haemophilia"]


class Recorder:
    """aiosmtpd handler: keeps what it is sent, or refuses every recipient."""

    def __init__(self, refuse=False):
        self.refuse = refuse
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    """Start an aiosmtpd server on a spare loopback port; stopped after."""
    started = []

    def start(refuse=False):
        handler = Recorder(refuse=refuse)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        return handler, controller.port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def hanging_smtp():
    """A server that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    listener.close()


def use_smtp(settings, port, timeout=1):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = timeout


def private_enquiry():
    return EnquiryFactory(
        name=PRIVATE[0], email=PRIVATE[1], phone=PRIVATE[2], message=PRIVATE[3]
    )


def test_a_patients_post_never_talks_to_the_mail_server(
    client, clinic, settings, hanging_smtp, django_capture_on_commit_callbacks
):
    port, accepted = hanging_smtp
    use_smtp(settings, port, timeout=30)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/enquire/", valid_enquiry_data())
    assert response.status_code == 302
    assert time.monotonic() - started < 5
    assert client.get("/enquire/thanks/").status_code == 200
    assert accepted == []
    assert Enquiry.objects.get().notification_sent_at is None


def test_a_hanging_mail_server_times_out_and_the_enquiry_stays_pending(
    clinic, settings, hanging_smtp, smtp_server, caplog
):
    port, accepted = hanging_smtp
    use_smtp(settings, port, timeout=1)
    enquiry = private_enquiry()
    started = time.monotonic()
    with caplog.at_level(logging.INFO):
        assert services.enquiry_notify(enquiry.pk) is False
    assert time.monotonic() - started < 10
    assert len(accepted) == 1
    enquiry.refresh_from_db()
    assert enquiry.notification_sent_at is None
    assert enquiry.notification_claimed_until is None
    assert enquiry.notification_attempts == 1
    assert f"enquiry id={enquiry.pk} not sent (" in caplog.text
    for secret in PRIVATE:
        assert secret not in caplog.text

    # The mail server is back: the next pass sends it, without personal data.
    recorder, good_port = smtp_server()
    use_smtp(settings, good_port)
    assert services.enquiries_notify_pending() == (1, 0)
    enquiry.refresh_from_db()
    assert enquiry.notification_sent_at is not None
    (message,) = recorder.messages
    assert enquiry.reference in message
    for secret in PRIVATE:
        assert secret not in message


def test_a_refusing_mail_server_keeps_it_pending_and_staff_can_find_it(
    clinic, settings, smtp_server, admin_client
):
    recorder, port = smtp_server(refuse=True)
    use_smtp(settings, port)
    unsent = private_enquiry()
    sent = EnquiryFactory(notification_sent_at=timezone.now())
    for _ in range(3):
        assert services.enquiries_notify_pending() == (0, 1)
    unsent.refresh_from_db()
    assert unsent.notification_attempts == 3
    assert recorder.messages == []
    page = soup(admin_client.get(ENQUIRY_CHANGELIST, {"notification": "unsent"}))
    listed = page.find(id="result_list").get_text()
    assert unsent.reference in listed and sent.reference not in listed
    assert page.find("a", string="Notification not sent")


def test_a_claim_left_by_a_sender_that_died_expires_and_is_retried(
    clinic, settings, smtp_server
):
    recorder, port = smtp_server()
    use_smtp(settings, port)
    live = EnquiryFactory(
        notification_claimed_until=timezone.now() + timedelta(minutes=4)
    )
    dead = EnquiryFactory(
        notification_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    # A live claim is another sender's: not sent twice.
    assert services.enquiry_notify(live.pk) is False
    assert services.enquiries_notify_pending() == (1, 1)
    dead.refresh_from_db()
    assert dead.notification_sent_at is not None
    assert len(recorder.messages) == 1
    assert dead.reference in recorder.messages[0]


def test_the_sender_loop_sends_what_arrives_and_stops_when_told(
    clinic, settings, smtp_server
):
    recorder, port = smtp_server()
    use_smtp(settings, port)
    enquiry = EnquiryFactory()
    out = StringIO()
    call_command(
        "send_pending_notifications",
        "--loop",
        "--passes",
        "2",
        "--every",
        "0",
        stdout=out,
    )
    assert "Sent 1 notification(s); 0 still pending." in out.getvalue()
    assert out.getvalue().strip().endswith("Notification sender stopped.")
    assert enquiry.reference in recorder.messages[0]
