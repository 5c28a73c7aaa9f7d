"""Enquiries in Django admin: list, filters, actions, CSV, roles."""

import csv
import io

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enquiries.admin import csv_safe
from enquiries.models import Enquiry
from tests.factories import EnquiryFactory, StaffFactory, TreatmentFactory
from tests.helpers import ENQUIRY_CHANGELIST, admin_change_url, post_change, soup

pytestmark = pytest.mark.django_db


@pytest.fixture
def handler_client(client):
    client.force_login(StaffFactory(groups=["Enquiry handlers"]))
    return client


@pytest.fixture
def editor_client(client):
    client.force_login(StaffFactory(groups=["Content editors"]))
    return client


def test_changelist_shows_the_columns_staff_need(admin_client):
    EnquiryFactory(
        reference="ABCD-2345", treatment=TreatmentFactory(name="Dry needling")
    )
    page = soup(admin_client.get(ENQUIRY_CHANGELIST))
    headers = [th.get_text(strip=True) for th in page.select("#result_list thead th")]
    assert headers[1:] == [
        "Reference",
        "Received",
        "Reply due",
        "Name",
        "Treatment",
        "Owner",
        "Status",
    ]
    assert "ABCD-2345" in page.find(id="result_list").get_text()


def test_changelist_queries_do_not_grow_with_rows(admin_client):
    def queries(rows):
        Enquiry.objects.all().delete()
        treatment = TreatmentFactory()
        for _ in range(rows):
            EnquiryFactory(treatment=treatment)
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(ENQUIRY_CHANGELIST).status_code == 200
        return len(ctx.captured_queries)

    assert queries(3) == queries(40)


def test_search_finds_by_reference_name_and_email(admin_client):
    EnquiryFactory(reference="FIND-MEEE", name="Alex Example", email="alex@x.example")
    EnquiryFactory(reference="OTHR-2222", name="Sam Other", email="sam@y.example")
    for term in ["FIND-MEEE", "Alex", "alex@x.example"]:
        page = soup(admin_client.get(ENQUIRY_CHANGELIST, {"q": term}))
        text = page.find(id="result_list").get_text()
        assert "FIND-MEEE" in text and "OTHR-2222" not in text


def test_filter_by_status(admin_client):
    EnquiryFactory(reference="NEWW-1111")
    EnquiryFactory(reference="DONE-1111", status=Enquiry.Status.CLOSED)
    page = soup(admin_client.get(ENQUIRY_CHANGELIST, {"status__exact": "closed"}))
    text = page.find(id="result_list").get_text()
    assert "DONE-1111" in text and "NEWW-1111" not in text


@pytest.mark.parametrize(
    ("action", "status"),
    [("mark_contacted", "contacted"), ("mark_closed", "closed")],
)
def test_status_actions(admin_client, action, status):
    chosen = EnquiryFactory.create_batch(2)
    other = EnquiryFactory()
    response = admin_client.post(
        ENQUIRY_CHANGELIST,
        {"action": action, "_selected_action": [e.pk for e in chosen]},
        follow=True,
    )
    assert response.status_code == 200
    assert set(Enquiry.objects.filter(status=status)) == set(chosen)
    other.refresh_from_db()
    assert other.status == Enquiry.Status.NEW


def test_csv_export_escapes_formulas(admin_client):
    enquiry = EnquiryFactory(
        name='=HYPERLINK("http://evil.example")',
        message="+SUM(A1:A2)",
        phone="-1",
        email="@x.example",
    )
    response = admin_client.post(
        ENQUIRY_CHANGELIST, {"action": "export_csv", "_selected_action": [enquiry.pk]}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, row = rows
    cells = dict(zip(header, row, strict=True))
    assert cells["Name"] == '\'=HYPERLINK("http://evil.example")'
    assert cells["Message"] == "'+SUM(A1:A2)"
    assert cells["Phone"] == "'-1"
    assert cells["Email"] == "'@x.example"
    assert cells["Reference"] == enquiry.reference


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("\tx", "'\tx"), ("plain", "plain"), (None, ""), (5, "5")],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


def test_patient_details_and_consent_are_read_only(admin_client):
    enquiry = EnquiryFactory(message="original message")
    consented_at = enquiry.consent_given_at
    page = soup(admin_client.get(admin_change_url(enquiry)))
    assert page.find("textarea", attrs={"name": "message"}) is None
    assert page.find("input", attrs={"name": "consent_given_at"}) is None
    response = post_change(
        admin_client,
        enquiry,
        status="contacted",
        **{"notes-0-text": "Rang back."},
        message="changed",
        consent_given_at="2001-01-01 00:00:00",
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == "contacted"
    assert [note.text for note in enquiry.notes.all()] == ["Rang back."]
    assert enquiry.message == "original message"
    assert enquiry.consent_given_at == consented_at


def test_no_add_button_for_enquiries(admin_client):
    assert admin_client.get(f"{ENQUIRY_CHANGELIST}add/").status_code == 403


def test_enquiry_handlers_can_view_and_change_enquiries(handler_client):
    enquiry = EnquiryFactory()
    assert handler_client.get(ENQUIRY_CHANGELIST).status_code == 200
    assert post_change(handler_client, enquiry, status="closed").status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == "closed"


def test_enquiry_handlers_cannot_edit_content(handler_client):
    treatment = TreatmentFactory()
    assert handler_client.get("/admin/treatments/treatment/").status_code == 403
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    assert handler_client.get(url).status_code == 403


def test_enquiry_handlers_cannot_delete_enquiries(handler_client):
    enquiry = EnquiryFactory()
    url = f"{ENQUIRY_CHANGELIST}{enquiry.pk}/delete/"
    assert handler_client.post(url, {"post": "yes"}).status_code == 403
    assert Enquiry.objects.filter(pk=enquiry.pk).exists()


def test_content_editors_cannot_see_enquiries(editor_client):
    enquiry = EnquiryFactory()
    assert editor_client.get(ENQUIRY_CHANGELIST).status_code == 403
    assert (
        editor_client.get(f"{ENQUIRY_CHANGELIST}{enquiry.pk}/change/").status_code
        == 403
    )


def test_content_editors_can_edit_treatments(editor_client):
    treatment = TreatmentFactory()
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    assert editor_client.get(url).status_code == 200


def test_deleting_a_treatment_keeps_its_enquiries(admin_client):
    treatment = TreatmentFactory()
    enquiry = EnquiryFactory(treatment=treatment)
    treatment.delete()
    enquiry.refresh_from_db()
    assert enquiry.treatment is None


@pytest.fixture
def viewer_client(client):
    viewer = StaffFactory()
    viewer.user_permissions.add(
        Permission.objects.get(
            codename="view_enquiry", content_type__app_label="enquiries"
        )
    )
    client.force_login(viewer)
    return client


def test_a_view_only_user_cannot_run_the_status_actions(viewer_client):
    enquiry = EnquiryFactory()
    page = soup(viewer_client.get(ENQUIRY_CHANGELIST))
    offered = {o["value"] for o in page.select("select[name=action] option")}
    assert "mark_contacted" not in offered and "mark_closed" not in offered
    response = viewer_client.post(
        ENQUIRY_CHANGELIST,
        {"action": "mark_contacted", "_selected_action": [enquiry.pk]},
    )
    assert response.status_code in (200, 302)
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.NEW


def test_status_actions_log_each_change_by_reference(handler_client):
    chosen = EnquiryFactory.create_batch(2, name="Pat Private")
    already = EnquiryFactory(status=Enquiry.Status.CONTACTED)
    handler_client.post(
        ENQUIRY_CHANGELIST,
        {
            "action": "mark_contacted",
            "_selected_action": [e.pk for e in [*chosen, already]],
        },
    )
    entries = LogEntry.objects.filter(action_flag=CHANGE)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(
        str(e.pk) for e in chosen
    )
    for entry in entries:
        assert entry.object_repr.startswith("Enquiry ")
        assert "Pat Private" not in entry.object_repr + entry.change_message
        assert entry.get_change_message() == "Changed Status."
