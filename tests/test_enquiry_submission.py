"""Sending an enquiry: saved once, clinic notified without health details, PRG."""

import hashlib
import hmac
import logging

import pytest
from django.core import mail
from django.utils import timezone

from enquiries.models import Enquiry, SubmissionCount
from enquiries.services import enquiries_notify_pending
from tests.factories import TreatmentFactory
from tests.helpers import BrowserClient, soup, valid_enquiry_data

pytestmark = pytest.mark.django_db

PRIVATE_MESSAGE = "I have haemophilia and my left knee swells after running."
PRIVATE_PHONE = "07700 900123"


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """POST the form (after-commit hooks run, as in a real request), then one
    pass of the notification sender, as its own process would."""

    def _send(data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/enquire/", data, **extra)
        enquiries_notify_pending()
        return response

    return _send


def test_the_request_itself_sends_no_email(
    client, clinic, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/enquire/", valid_enquiry_data()).status_code == 302
    assert mail.outbox == []
    assert Enquiry.objects.get().notification_sent_at is None


def test_valid_enquiry_is_saved_and_redirects_to_thanks(send, clinic):
    TreatmentFactory(name="Dry needling", slug="dry-needling")
    response = send(valid_enquiry_data(treatment="dry-needling"))
    assert response.status_code == 302
    assert response["Location"] == "/enquire/thanks/"
    enquiry = Enquiry.objects.get()
    assert enquiry.name == "Pat Patient"
    assert enquiry.treatment.slug == "dry-needling"
    assert enquiry.consent_given is True
    assert enquiry.consent_given_at is not None
    assert enquiry.status == Enquiry.Status.NEW
    assert len(enquiry.reference) == 9


def test_thanks_page_gives_the_reference_and_echoes_nothing(send, client, clinic):
    send(valid_enquiry_data(message=PRIVATE_MESSAGE, name="Unique Name"))
    response = client.get("/enquire/thanks/")
    page = soup(response)
    assert page.find(class_="reference").get_text() == Enquiry.objects.get().reference
    assert page.h1.get_text() == "Enquiry sent"
    assert b"haemophilia" not in response.content
    assert b"Unique Name" not in response.content


def test_refreshing_thanks_does_not_resubmit(send, client, clinic):
    send(valid_enquiry_data())
    for _ in range(3):
        assert client.get("/enquire/thanks/").status_code == 200
    assert Enquiry.objects.count() == 1


def test_double_submit_of_the_same_form_saves_once(send, client, clinic):
    token = soup(client.get("/enquire/")).find(id="id_submission_token")["value"]
    data = valid_enquiry_data(submission_token=token)
    first = send(data)
    second = send(data)
    assert first["Location"] == second["Location"] == "/enquire/thanks/"
    assert Enquiry.objects.count() == 1
    assert len(mail.outbox) == 1


def test_notification_names_the_enquiry_and_holds_no_health_details(send, clinic):
    TreatmentFactory(name="Dry needling", slug="dry-needling")
    send(
        valid_enquiry_data(
            treatment="dry-needling",
            message=PRIVATE_MESSAGE,
            phone=PRIVATE_PHONE,
            name="Pat Private",
            email="pat.private@example.com",
        )
    )
    enquiry = Enquiry.objects.get()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [clinic.enquiry_notification_email]
    assert email.subject == f"New enquiry {enquiry.reference}"
    assert enquiry.reference in email.body
    assert "Dry needling" in email.body
    assert f"/admin/enquiries/enquiry/{enquiry.pk}/change/" in email.body
    everything = email.subject + email.body + str(email.extra_headers)
    for secret in [PRIVATE_MESSAGE, "haemophilia", PRIVATE_PHONE, "Pat Private"]:
        assert secret not in everything
    assert "pat.private@example.com" not in everything
    enquiry.refresh_from_db()
    assert enquiry.notification_sent_at is not None


def test_honeypot_answers_as_if_accepted_and_stores_nothing(send, clinic):
    response = send(valid_enquiry_data(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == "/enquire/thanks/"
    assert Enquiry.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    "source",
    [
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_REFERER": "http://testserver/enquire/"},
    ],
)
def test_missing_csrf_token_is_refused_but_keeps_what_was_typed(clinic, source):
    client = BrowserClient(enforce_csrf_checks=True)
    response = client.post(
        "/enquire/", valid_enquiry_data(message=PRIVATE_MESSAGE), **source
    )
    assert response.status_code == 403
    page = soup(response)
    assert page.find(id="id_message").get_text().strip() == PRIVATE_MESSAGE
    assert page.find(class_="notice--problem")["role"] == "alert"
    assert page.find("input", attrs={"name": "csrfmiddlewaretoken"})
    assert Enquiry.objects.count() == 0


@pytest.mark.parametrize(
    "source",
    [
        {"HTTP_ORIGIN": "https://attacker.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "https://attacker.example/form.html"},
        {"HTTP_ORIGIN": "http://testserver.attacker.example"},
        {},
    ],
)
def test_a_cross_site_post_fills_in_nothing(clinic, source):
    client = BrowserClient(enforce_csrf_checks=True)
    data = valid_enquiry_data(name="Chosen By Attacker", message=PRIVATE_MESSAGE)
    response = client.post("/enquire/", data, **source)
    assert response.status_code == 403
    page = soup(response)
    assert page.find(id="id_name").get("value") in (None, "")
    assert page.find(id="id_message").get_text().strip() == ""
    assert not page.find(id="id_consent").has_attr("checked")
    assert "did not accept it" in page.find(class_="notice--problem").get_text()
    assert Enquiry.objects.count() == 0


def test_invalid_csrf_elsewhere_gets_the_expired_page(clinic):
    client = BrowserClient(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert soup(response).h1.get_text() == "This page has expired"


def test_with_a_valid_csrf_token_the_enquiry_is_accepted(clinic):
    client = BrowserClient(enforce_csrf_checks=True)
    token = soup(client.get("/enquire/")).find(
        "input", attrs={"name": "csrfmiddlewaretoken"}
    )["value"]
    data = valid_enquiry_data(csrfmiddlewaretoken=token)
    assert client.post("/enquire/", data).status_code == 302
    assert Enquiry.objects.count() == 1


def test_rate_limit_answers_429_with_the_clinic_phone_and_keeps_the_form(
    send, clinic, settings
):
    settings.ENQUIRY_RATE_LIMIT = 2
    for _ in range(2):
        assert send(valid_enquiry_data()).status_code == 302
    response = send(valid_enquiry_data(message=PRIVATE_MESSAGE))
    assert response.status_code == 429
    page = soup(response)
    notice = page.find(class_="notice--problem")
    assert notice.find("a", href="tel:01632960001")
    assert page.find(id="id_message").get_text().strip() == PRIVATE_MESSAGE
    assert Enquiry.objects.count() == 2


def test_rate_limit_says_when_to_try_again(send, clinic, settings):
    settings.ENQUIRY_RATE_LIMIT = 1
    settings.ENQUIRY_RATE_WINDOW_SECONDS = 600
    send(valid_enquiry_data())
    response = send(valid_enquiry_data())
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 600
    minutes = -(-retry_after // 60)
    notice = soup(response).find(class_="notice--problem").get_text(" ", strip=True)
    assert f"try again in {minutes} minute" in notice


def test_rate_limit_is_per_client_ip(send, clinic, settings):
    settings.ENQUIRY_RATE_LIMIT = 1
    assert send(valid_enquiry_data(), REMOTE_ADDR="203.0.113.1").status_code == 302
    assert send(valid_enquiry_data(), REMOTE_ADDR="203.0.113.1").status_code == 429
    assert send(valid_enquiry_data(), REMOTE_ADDR="203.0.113.2").status_code == 302


def test_rate_limit_uses_forwarded_for_only_behind_trusted_proxies(
    send, clinic, settings
):
    settings.ENQUIRY_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = send(valid_enquiry_data(), HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    other = send(valid_enquiry_data(), HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy)
    again = send(valid_enquiry_data(), HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert [first.status_code, other.status_code, again.status_code] == [302, 302, 429]


def test_invalid_submissions_do_not_use_up_the_limit(send, clinic, settings):
    settings.ENQUIRY_RATE_LIMIT = 1
    for _ in range(3):
        assert send(valid_enquiry_data(email="bad")).status_code == 200
    assert send(valid_enquiry_data()).status_code == 302


def test_rate_limit_counts_under_a_keyed_hash_of_the_ip_not_the_ip(
    send, clinic, settings
):
    def keyed_hash(ip):
        secret = settings.SECRET_KEY.encode()
        return hmac.new(secret, ip.encode(), hashlib.sha256).hexdigest()

    for ip in ["203.0.113.99", "203.0.113.99", "203.0.113.98"]:
        assert send(valid_enquiry_data(), REMOTE_ADDR=ip).status_code == 302
    counts = {}
    for key, count in SubmissionCount.objects.values_list("key", "count"):
        counts[key] = counts.get(key, 0) + count  # a window may turn over
    # One key per address, the same each time, and the address is not stored.
    assert counts == {keyed_hash("203.0.113.99"): 2, keyed_hash("203.0.113.98"): 1}


def test_mail_failure_keeps_the_enquiry_pending_and_logs_no_personal_data(
    send, clinic, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.helpers.FailingBackend"
    with caplog.at_level(logging.INFO):
        response = send(
            valid_enquiry_data(message=PRIVATE_MESSAGE, phone=PRIVATE_PHONE)
        )
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.notification_sent_at is None
    assert f"enquiry id={enquiry.pk} not sent (ConnectionRefusedError, attempt 1)" in (
        caplog.text
    )
    for secret in ["haemophilia", PRIVATE_PHONE, "Pat Patient", "pat@example.com"]:
        assert secret not in caplog.text


def test_html_is_stored_as_typed_and_shown_escaped(send, clinic, admin_client):
    send(valid_enquiry_data(name="<script>alert(1)</script>", message="<b>hi</b>"))
    enquiry = Enquiry.objects.get()
    assert enquiry.name == "<script>alert(1)</script>"
    assert enquiry.message == "<b>hi</b>"
    response = admin_client.get(f"/admin/enquiries/enquiry/{enquiry.pk}/change/")
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("name", "Pat\r\nBcc: victim@example.com", "Enter your name on one line"),
        ("email", "pat@example.com\r\nBcc: victim@example.com", "Enter an email"),
        ("name", "x" * 101, "Name must be 100 characters or fewer"),
        ("email", "a" * 250 + "@example.com", "254 characters or fewer"),
        ("phone", "1" * 31, "Phone number must be 30 characters or fewer"),
        ("message", "x" * 5001, "Message must be 5,000 characters or fewer"),
        ("message", "nul \x00 byte", "Null characters are not allowed"),
        ("treatment", "99999", "Select a treatment from the list"),
        ("treatment", "dry\x00needling", "Select a treatment from the list"),
        ("treatment", "x" * 500, "Select a treatment from the list"),
        ("preferred_contact", "carrier-pigeon", "Select how you would like us"),
    ],
)
def test_bad_fields_get_a_field_error_and_nothing_is_saved(
    send, clinic, field, value, error
):
    response = send(valid_enquiry_data(**{field: value}))
    assert response.status_code == 200
    assert error in soup(response).find(id=f"id_{field}_error").get_text()
    assert Enquiry.objects.count() == 0
    assert SubmissionCount.objects.count() == 0


def test_every_field_empty_lists_every_required_field(send, clinic):
    response = send({})
    summary = soup(response).find(class_="error-summary")
    assert [a["href"] for a in summary("a")] == [
        "#id_name",
        "#id_email",
        "#id_preferred_contact_0",
        "#id_message",
        "#id_consent",
    ]
    assert Enquiry.objects.count() == 0


def test_request_body_over_one_megabyte_is_refused_with_413(send, clinic):
    response = send(valid_enquiry_data(message="x" * (1024 * 1024 + 1)))
    assert response.status_code == 413
    assert soup(response).h1.get_text() == "Sorry, that was too large to send"
    assert Enquiry.objects.count() == 0


URLENCODED = "application/x-www-form-urlencoded"
UNREADABLE = "contains characters we could not read — please type it again"


@pytest.mark.parametrize(
    ("name_bytes", "name_kept"),
    [
        (b"Pat%FF%FE", "Pat\ufffd\ufffd"),  # percent-encoded, not UTF-8
        (b"Pat\xff", "Pat\ufffd"),  # a raw byte that is not UTF-8
    ],
)
def test_a_field_that_is_not_utf8_is_asked_for_again_and_nothing_is_saved(
    client, clinic, name_bytes, name_kept
):
    body = b"name=" + name_bytes + b"&email=pat%40example.com&preferred_contact=email"
    # Correct UTF-8 in the same body (percent-encoded and raw): kept exactly.
    body += b"&message=Jos%C3%A9 asks about his knee, Jos\xc3\xa9&consent=on"
    response = client.post("/enquire/", body, content_type=URLENCODED)
    assert response.status_code == 200
    page = soup(response)
    assert f"Your name {UNREADABLE}" in page.find(id="id_name_error").get_text()
    assert page.find(id="id_name")["value"] == name_kept
    message = "José asks about his knee, José"
    assert page.find(id="id_message").get_text().strip() == message
    assert page.find(id="id_email")["value"] == "pat@example.com"
    assert Enquiry.objects.count() == 0
    assert SubmissionCount.objects.count() == 0


def test_unreadable_message_names_the_message(client, clinic):
    body = b"name=Pat&email=pat%40example.com&preferred_contact=email"
    body += b"&message=%C3%28bad&consent=on"
    response = client.post("/enquire/", body, content_type=URLENCODED)
    assert response.status_code == 200
    error = soup(response).find(id="id_message_error").get_text()
    assert f"Your message {UNREADABLE}" in error
    assert Enquiry.objects.count() == 0


@pytest.mark.parametrize(
    "invisible",
    ["\u200b\u200b", "\u200d\ufeff", "\u2060 \u00a0", "\u202e\u200f", "\u3000"],
)
def test_a_name_or_message_of_invisible_characters_is_refused(send, clinic, invisible):
    response = send(valid_enquiry_data(name=invisible, message=invisible))
    page = soup(response)
    assert "Enter your full name" in page.find(id="id_name_error").get_text()
    assert "Enter your message" in page.find(id="id_message_error").get_text()
    assert Enquiry.objects.count() == 0


def test_a_name_with_a_joiner_inside_visible_letters_is_kept(send, clinic):
    send(valid_enquiry_data(name="Anna\u200dMaria"))
    assert Enquiry.objects.get().name == "Anna\u200dMaria"


def test_consent_time_is_recorded_by_the_server(send, clinic):
    before = timezone.now()
    send(valid_enquiry_data(consent_given_at="2001-01-01T00:00:00Z"))
    assert before <= Enquiry.objects.get().consent_given_at <= timezone.now()


def form_token(client):
    return soup(client.get("/enquire/")).find(id="id_submission_token")["value"]


def test_back_edit_send_again_stores_the_edit_as_a_new_enquiry(send, client, clinic):
    token = form_token(client)
    send(valid_enquiry_data(submission_token=token, message="First version"))
    first = Enquiry.objects.get()
    send(valid_enquiry_data(submission_token=token, message="Edited version"))
    second = Enquiry.objects.exclude(pk=first.pk).get()
    assert second.message == "Edited version"
    assert second.reference != first.reference
    page = soup(client.get("/enquire/thanks/"))
    assert page.find(class_="reference").get_text() == second.reference
    # The edited form sent twice (a double click) is still one more enquiry.
    send(valid_enquiry_data(submission_token=token, message="Edited version"))
    assert Enquiry.objects.count() == 2
    assert len(mail.outbox) == 2


def test_back_to_the_form_after_sending_says_it_was_sent(send, client, clinic):
    token = form_token(client)
    send(valid_enquiry_data(submission_token=token))
    reference = Enquiry.objects.get().reference
    page = soup(client.get("/enquire/"))
    notice = page.find(class_="notice--done")
    assert "You have already sent this enquiry" in notice.get_text()
    assert notice.find(class_="reference").get_text() == reference
    assert page.find(id="id_submission_token")["value"] != token
    assert not page.find(class_="error-summary")


def test_back_to_an_error_page_after_sending_shows_sent_not_the_errors(
    send, client, clinic
):
    token = form_token(client)
    first_try = send(valid_enquiry_data(submission_token=token, email="bad"))
    assert soup(first_try).find(class_="error-summary")
    send(valid_enquiry_data(submission_token=token))
    # The browser sends the erroneous POST again when going back to it.
    again = send(valid_enquiry_data(submission_token=token, email="bad"))
    page = soup(again)
    assert not page.find(class_="error-summary")
    assert page.find(class_="notice--done")
    assert Enquiry.objects.count() == 1


def test_a_new_enquiry_with_errors_shows_its_errors_not_the_sent_notice(
    send, client, clinic
):
    send(valid_enquiry_data(submission_token=form_token(client)))
    response = send(valid_enquiry_data(submission_token=form_token(client), email="x"))
    page = soup(response)
    assert page.find(class_="error-summary")
    assert not page.find(class_="notice--done")


def test_thanks_without_an_enquiry_leads_to_the_form(client, clinic):
    response = client.get("/enquire/thanks/")
    assert response.status_code == 302
    assert response["Location"] == "/enquire/"


def test_a_patients_session_lasts_only_as_long_as_the_thanks_page_needs(
    send, client, clinic
):
    send(valid_enquiry_data())
    assert client.session.get_expiry_age() == 30 * 60
    cookie = client.cookies["sessionid"]
    assert int(cookie["max-age"]) == 30 * 60
