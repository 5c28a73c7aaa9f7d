"""Patients' data requests in admin: find a patient's enquiries by email or
phone, export them (JSON, CSV) and erase them. Superusers only; the email or
phone searched for never reaches a URL, a log line or the audit trail."""

import csv
import io
import json
import logging

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import events
from audit.models import AuditEvent
from enquiries.data_requests import phone_key
from enquiries.models import Enquiry, EnquiryNote, EnquiryStatusChange
from tests.factories import EnquiryFactory, StaffFactory, TreatmentFactory
from tests.helpers import ENQUIRY_CHANGELIST, soup

pytestmark = pytest.mark.django_db

SEARCH = reverse("admin:enquiries_enquiry_data_requests")
EXPORT = reverse("admin:enquiries_enquiry_data_request_export")
ERASE = reverse("admin:enquiries_enquiry_data_request_erase")
URLS = [SEARCH, EXPORT, ERASE]

EMAIL = "robin.request@example.com"
PHONE = "01632 960 417"


@pytest.fixture
def superuser_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def patient_enquiries(count=2, **kwargs):
    """`count` enquiries from the patient, with a note and a status change."""
    author = StaffFactory(first_name="Nora", last_name="Noter")
    enquiries = []
    for i in range(count):
        enquiry = EnquiryFactory(
            name="Robin Request",
            email=EMAIL,
            phone=PHONE,
            message=f'=HYPERLINK("http://x") knee {i}',
            **kwargs,
        )
        EnquiryNote.objects.create(enquiry=enquiry, author=author, text=f"Rang {i}")
        EnquiryStatusChange.objects.create(
            enquiry=enquiry, status=Enquiry.Status.CONTACTED, changed_by=author
        )
        enquiries.append(enquiry)
    return enquiries


def search(client, **data):
    return client.post(SEARCH, {"email": "", "phone": "", **data})


def action_data(enquiries, email=EMAIL, phone="", **extra):
    return {
        "email": email,
        "phone": phone,
        "enquiries": [e.pk for e in enquiries],
        **extra,
    }


def found_references(response):
    table = soup(response).find(id="result_list")
    if table is None:
        return []
    return [th.get_text(strip=True) for th in table.select("tbody th")]


def error_on(response, field):
    row = soup(response).select_one(f".form-row.field-{field}")
    return [li.get_text() for li in row.select(".errorlist li")] if row else []


# Who may use it -----------------------------------------------------------------


@pytest.mark.parametrize("group", ["Content editors", "Enquiry handlers"])
@pytest.mark.parametrize("url", URLS)
def test_staff_who_are_not_superusers_are_refused(client, group, url):
    (enquiry, _) = patient_enquiries()
    client.force_login(StaffFactory(groups=[group]))
    assert client.get(url).status_code == 403
    data = action_data([enquiry], format="csv", confirm="yes")
    response = client.post(url, data)
    assert response.status_code == 403
    assert EMAIL not in response.content.decode()
    assert Enquiry.objects.count() == 2
    assert not AuditEvent.objects.filter(action__startswith="data_request").exists()


def test_a_staff_member_with_every_enquiry_permission_is_still_refused(client):
    staff = StaffFactory(groups=["Enquiry handlers"])
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="enquiries")
    )
    client.force_login(staff)
    for url in URLS:
        assert client.post(url, {"email": EMAIL}).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_signed_out_visitors_are_sent_to_sign_in(client, url):
    response = client.post(url, {"email": EMAIL})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert EMAIL not in response.url


@pytest.mark.parametrize("url", URLS)
def test_a_superuser_who_has_not_passed_the_second_factor_is_sent_to_sign_in(
    client, url
):
    (enquiry, _) = patient_enquiries()
    client.force_login(StaffFactory(is_superuser=True), second_factor=False)
    response = client.post(url, action_data([enquiry], format="json", confirm="yes"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert EMAIL not in response.url
    assert Enquiry.objects.count() == 2
    assert not AuditEvent.objects.filter(action__startswith="data_request").exists()


def test_export_and_erase_answer_only_posts(superuser_client):
    assert superuser_client.get(EXPORT).status_code == 405
    assert superuser_client.get(ERASE).status_code == 405


def test_the_enquiry_list_links_to_the_tool_for_superusers_only(client):
    client.force_login(StaffFactory(is_superuser=True))
    link = soup(client.get(ENQUIRY_CHANGELIST)).select_one(".object-tools a")
    assert link.get_text() == "Patient data requests" and link["href"] == SEARCH
    client.force_login(StaffFactory(groups=["Enquiry handlers"]))
    page = client.get(ENQUIRY_CHANGELIST)
    assert page.status_code == 200
    assert SEARCH not in page.content.decode()


# Finding ------------------------------------------------------------------------


def test_the_search_page_has_labelled_fields_and_breadcrumbs(superuser_client):
    page = soup(superuser_client.get(SEARCH))
    assert page.h1.get_text(strip=True) == "Patient data requests"
    for field in ("email", "phone"):
        assert page.find("label", attrs={"for": f"id_{field}"})
        described = page.find(id=f"id_{field}")["aria-describedby"]
        assert page.find(id=described)
    crumbs = page.select_one(".breadcrumbs").get_text(" ", strip=True)
    assert crumbs.endswith("Enquiries › Patient data requests")
    form = page.select_one("#content-main form")
    assert form["method"] == "post" and form["action"] == SEARCH


def test_email_matches_exactly_ignoring_capitals(superuser_client):
    mine = EnquiryFactory(reference="MINE-2222", email="Robin.Request@Example.com")
    EnquiryFactory(reference="LONG-2222", email="xrobin.request@example.com")
    EnquiryFactory(reference="MORE-2222", email="robin.request@example.com.evil")
    response = search(superuser_client, email="ROBIN.request@example.COM")
    assert response.status_code == 200
    assert found_references(response) == [mine.reference]


@pytest.mark.parametrize(
    "typed",
    ["01632 960 417", "01632960417", "+44 1632 960417", "+44 (0)1632 960-417"],
)
def test_phone_matches_on_the_digits_whatever_the_spacing(superuser_client, typed):
    stored = ["01632 960 417", "(01632) 960417", "+441632960417", "0044 1632 960 417"]
    for i, phone in enumerate(stored):
        EnquiryFactory(reference=f"SAME-{i:04d}", phone=phone)
    EnquiryFactory(reference="OTHR-0001", phone="01632 960 418")
    EnquiryFactory(reference="OTHR-0002", phone="01632 960 4170")
    EnquiryFactory(reference="OTHR-0003", phone="")
    response = search(superuser_client, phone=typed)
    assert found_references(response) == [f"SAME-{i:04d}" for i in range(4)]


def test_phone_key_writes_the_uk_country_code_as_a_leading_zero():
    assert phone_key("+44 (0) 7700 900 982") == "07700900982"
    assert phone_key("0044 7700 900982") == "07700900982"
    assert phone_key("07700-900-982") == "07700900982"
    # Digits of any script are digits (the enquiry form accepts them too).
    assert phone_key("٠٧٧٠٠ ٩٠٠ ٩٨٢") == "07700900982"
    # Another country keeps its code: not the same number as a UK one.
    assert phone_key("+33 1 42 68 53 00") == "33142685300"


def test_email_and_phone_together_find_either(superuser_client):
    by_email = EnquiryFactory(reference="MAIL-2222", email=EMAIL)
    by_phone = EnquiryFactory(reference="FONE-2222", phone=PHONE)
    response = search(superuser_client, email=EMAIL, phone=PHONE)
    assert found_references(response) == [by_email.reference, by_phone.reference]
    rows = soup(response).select("#result_list tbody tr")
    assert [row.select("td")[-1].get_text() for row in rows] == ["email", "phone"]


def test_the_list_shows_reference_received_treatment_and_status(superuser_client):
    EnquiryFactory(
        reference="LIST-2222",
        email=EMAIL,
        treatment=TreatmentFactory(name="Dry needling"),
        status=Enquiry.Status.CONTACTED,
    )
    page = soup(search(superuser_client, email=EMAIL))
    headers = [th.get_text() for th in page.select("#result_list thead th")]
    assert headers == ["Reference", "Received", "Treatment", "Status", "Matched by"]
    cells = [td.get_text() for td in page.select("#result_list tbody td")]
    assert cells[1:3] == ["Dry needling", "Contacted"]


def test_nothing_found_says_so(superuser_client):
    page = soup(search(superuser_client, email="nobody@example.com"))
    assert page.find(id="found-heading").get_text() == "0 enquiries found"
    assert page.find(id="result_list") is None


def test_the_search_never_goes_into_a_url_or_a_log_line(superuser_client, caplog):
    (enquiry, _) = patient_enquiries()
    with caplog.at_level(logging.DEBUG):
        response = search(superuser_client, email=EMAIL, phone=PHONE)
        exported = superuser_client.post(
            EXPORT, action_data([enquiry], phone=PHONE, format="csv")
        )
    assert response.status_code == 200 and exported.status_code == 200
    page = soup(response)
    urls = [a["href"] for a in page.find_all("a", href=True)]
    urls += [form["action"] for form in page.find_all("form")]
    assert urls
    for url in urls:
        assert "robin" not in url.lower() and "960" not in url
    assert all(form["method"] == "post" for form in page.select("#content-main form"))
    assert "robin" not in caplog.text.lower() and "960" not in caplog.text


# Bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "email"),
        ({"email": "  "}, "email"),
        ({"email": "x" * 290 + "@example.com"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "robin@example.com\x00"}, "email"),
        ({"phone": "x" * 300}, "phone"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"phone": "0163\x00 960 417"}, "phone"),
        ({"email": "not-an-email", "phone": PHONE}, "email"),
    ],
)
def test_bad_input_is_a_field_error(superuser_client, data, field):
    EnquiryFactory(email=EMAIL, phone=PHONE)
    response = search(superuser_client, **data)
    assert response.status_code == 200
    assert error_on(response, field)
    field_id = f"id_{field}"
    described = soup(response).find(id=field_id)["aria-describedby"].split()
    assert f"{field_id}_error" in described
    assert soup(response).find(id=f"{field_id}_error")
    assert found_references(response) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"enquiries": ["abc"]},
        {"enquiries": []},
        {"enquiries": ["99999999999999999999"]},
        {"format": "xml"},
        {"email": "not-an-email"},
    ],
)
@pytest.mark.parametrize("url", [EXPORT, ERASE])
def test_a_tampered_export_or_erase_is_refused_with_the_search_page(
    superuser_client, changes, url
):
    enquiries = patient_enquiries()
    data = {**action_data(enquiries, format="json", confirm="yes"), **changes}
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert soup(response).select(".errorlist li")
    assert Enquiry.objects.count() == 2
    assert not AuditEvent.objects.filter(action__startswith="data_request").exists()


# Exporting ----------------------------------------------------------------------


def test_json_export_holds_everything_about_the_patient(superuser_client):
    enquiries = patient_enquiries(treatment=TreatmentFactory(name="Dry needling"))
    other = EnquiryFactory(email="someone.else@example.com")
    data = action_data([*enquiries, other], format="json")
    response = superuser_client.post(EXPORT, data)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="patient')
    exported = json.loads(response.content)
    records = exported["enquiries"]
    assert [r["reference"] for r in records] == [e.reference for e in enquiries]
    first = records[0]
    assert first["name"] == "Robin Request"
    assert first["email"] == EMAIL and first["phone"] == PHONE
    assert first["message"] == enquiries[0].message
    assert first["treatment"] == "Dry needling"
    assert first["status"] == "New" and first["preferred_contact"] == "Email"
    assert first["consent_given"] is True
    assert first["created_at"].endswith(("+00:00", "+01:00"))
    assert first["notes"] == [
        {
            "written": first["notes"][0]["written"],
            "author": "Nora Noter",
            "text": "Rang 0",
        }
    ]
    assert first["status_changes"][0]["status"] == "Contacted"
    assert first["status_changes"][0]["changed_by"] == "Nora Noter"


def test_csv_export_has_a_bom_escaped_cells_and_the_notes(superuser_client):
    enquiries = patient_enquiries()
    response = superuser_client.post(EXPORT, action_data(enquiries, format="csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["Reference", "Record", "Field", "Value", "When", "By"]
    by_field = {(r[0], r[1], r[2]): r for r in rows[1:]}
    ref = enquiries[0].reference
    assert by_field[(ref, "Enquiry", "Message")][3] == "'" + enquiries[0].message
    assert by_field[(ref, "Enquiry", "Email")][3] == EMAIL
    assert by_field[(ref, "Enquiry", "Consent given")][3] == "Yes"
    note = by_field[(ref, "Note", "Note")]
    assert note[3] == "Rang 0" and note[5] == "Nora Noter"
    assert len(note[4]) == len("2026-01-01 12:00")
    assert by_field[(ref, "Status change", "Status")][3] == "Contacted"
    assert {r[0] for r in rows[1:]} == {e.reference for e in enquiries}


def test_an_export_is_audited_as_a_count_only(superuser_client):
    enquiries = patient_enquiries()
    superuser_client.post(EXPORT, action_data(enquiries, format="json"))
    (event,) = AuditEvent.objects.filter(action="data_request_exported")
    assert event.count == 2
    assert event.enquiry_reference == "" and event.detail == ""


def test_only_enquiries_shown_and_still_matching_are_exported(superuser_client):
    shown = patient_enquiries(count=1)
    EnquiryFactory(email=EMAIL)  # arrived after the search
    stranger = EnquiryFactory(email="stranger@example.com")
    response = superuser_client.post(
        EXPORT, action_data([*shown, stranger], format="json")
    )
    references = [r["reference"] for r in json.loads(response.content)["enquiries"]]
    assert references == [shown[0].reference]


# Erasing ------------------------------------------------------------------------


def test_erase_asks_first_and_deletes_nothing_until_confirmed(superuser_client):
    enquiries = patient_enquiries()
    response = superuser_client.post(ERASE, action_data(enquiries))
    assert response.status_code == 200
    page = soup(response)
    assert page.h2.get_text() == "Erase 2 enquiries?"
    listed = page.select_one(".data-request-references").get_text()
    assert all(e.reference in listed for e in enquiries)
    assert page.find("input", attrs={"name": "confirm"})
    assert Enquiry.objects.count() == 2


def test_erase_deletes_the_enquiries_and_every_trace_but_a_count(superuser_client):
    enquiries = patient_enquiries()
    others = patient_enquiries(count=1)
    Enquiry.objects.filter(pk=others[0].pk).update(email="other@example.com")
    staff = StaffFactory()
    for enquiry in [*enquiries, *others]:
        LogEntry.objects.log_actions(staff.pk, [enquiry], CHANGE, "Changed status.")
        events.record(
            None, AuditEvent.Action.VIEWED_ENQUIRY, enquiry=enquiry, actor=staff
        )
    events.record(None, AuditEvent.Action.EXPORTED_ENQUIRIES, enquiries=enquiries)
    references = [e.reference for e in enquiries]

    response = superuser_client.post(ERASE, action_data(enquiries, confirm="yes"))
    assert response.status_code == 302 and response.url == SEARCH
    message = [m.message for m in response.wsgi_request._messages]
    assert message == [
        "Erased 2 enquiries with their notes and status history. The audit "
        "trail keeps only the count and the date."
    ]

    assert list(Enquiry.objects.all()) == others
    assert EnquiryNote.objects.filter(enquiry__in=others).count() == 1
    assert EnquiryNote.objects.count() == 1
    assert EnquiryStatusChange.objects.count() == 1
    assert [e.object_id for e in LogEntry.objects.all()] == [str(others[0].pk)]
    assert not AuditEvent.objects.filter(enquiry_reference__in=references).exists()
    assert AuditEvent.objects.filter(enquiry_reference=others[0].reference).exists()
    (erased,) = AuditEvent.objects.filter(action="data_request_erased")
    assert erased.count == 2
    assert erased.at is not None
    assert erased.enquiry_reference == "" and erased.detail == ""
    for value in [EMAIL, PHONE, *references]:
        assert value not in str(AuditEvent.objects.values_list().filter(pk=erased.pk))


# Queries ------------------------------------------------------------------------


# Tables the tool reads and writes; sessions, users and the second factor are
# every admin page's cost, pinned elsewhere.
OWN_TABLES = ("treatments_enquiry", "enquiries_", "audit_")


def own_queries(client, url, data):
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data)
    assert response.status_code == 200
    return [
        q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in OWN_TABLES)
    ]


@pytest.mark.parametrize("rows", [1, 7])
def test_search_and_export_queries_are_pinned(superuser_client, rows):
    """The search reads the phones once and lists once; an export finds the
    selection again (phones, then the match), reads the enquiries, their
    notes and status changes, and writes the audit event: one INSERT."""
    enquiries = patient_enquiries(count=rows)
    assert len(own_queries(superuser_client, SEARCH, {"email": EMAIL})) == 1
    search = own_queries(superuser_client, SEARCH, {"email": EMAIL, "phone": PHONE})
    assert len(search) == 2
    for format in ("json", "csv"):
        data = action_data(enquiries, phone=PHONE, format=format)
        export = own_queries(superuser_client, EXPORT, data)
        assert len(export) == 6
        assert export[-1].startswith('INSERT INTO "audit_auditevent"')
