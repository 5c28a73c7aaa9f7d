"""The enquiry work queue: open enquiries oldest first, reply due in working
days, overdue in words, owners, notes with author and time, status history."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import ClosedDay
from clinic.working_days import reply_due
from enquiries.models import Enquiry
from tests.factories import EnquiryFactory, StaffFactory
from tests.helpers import ENQUIRY_CHANGELIST, admin_change_url, post_change, soup

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def at(*args):
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("received", "days", "closed", "due"),
    [
        # Monday: by the end of Wednesday.
        (at(2026, 12, 7, 10), 2, set(), at(2026, 12, 10)),
        # Friday evening: Monday and Tuesday count.
        (at(2026, 12, 11, 18), 2, set(), at(2026, 12, 16)),
        # Saturday: Monday, Tuesday.
        (at(2026, 12, 12, 9), 2, set(), at(2026, 12, 16)),
        # Christmas: the 25th (Fri) and 28th (Mon) closed.
        (
            at(2026, 12, 24, 12),
            2,
            {date(2026, 12, 25), date(2026, 12, 28)},
            at(2026, 12, 31),
        ),
        (at(2026, 12, 7, 23, 59), 1, set(), at(2026, 12, 9)),
    ],
)
def test_reply_due_counts_working_days(received, days, closed, due):
    assert reply_due(received, days, closed) == due


def test_a_new_enquiry_gets_its_due_time_from_the_clinic(client, clinic):
    from tests.helpers import valid_enquiry_data

    clinic.reply_within_working_days = 3
    clinic.save()
    tomorrow = timezone.localdate() + timedelta(days=1)
    ClosedDay.objects.create(clinic=clinic, date=tomorrow)
    assert client.post("/enquire/", valid_enquiry_data()).status_code == 302
    enquiry = Enquiry.objects.get()
    closed = {tomorrow}
    assert enquiry.reply_due_at == reply_due(enquiry.created_at, 3, closed)


def test_changing_the_promise_or_closed_days_moves_open_enquiries_only(clinic):
    open_one = EnquiryFactory(reply_due_at=None)
    done = EnquiryFactory(reply_due_at=None, status=Enquiry.Status.CLOSED)
    clinic.reply_within_working_days = 5
    clinic.save()
    open_one.refresh_from_db()
    done.refresh_from_db()
    assert open_one.reply_due_at == reply_due(open_one.created_at, 5, set())
    assert done.reply_due_at is None
    first_due = open_one.reply_due_at
    ClosedDay.objects.create(
        clinic=clinic, date=timezone.localdate(open_one.created_at) + timedelta(1)
    )
    open_one.refresh_from_db()
    assert open_one.reply_due_at >= first_due


def queue(client, **params):
    page = soup(client.get(ENQUIRY_CHANGELIST, params))
    rows = page.select("#result_list tbody tr")
    return page, [row.select_one(".field-reference").get_text() for row in rows]


def test_the_queue_opens_on_open_enquiries_oldest_first(admin_client):
    now = timezone.now()
    newer = EnquiryFactory(reference="NEWR-0001")
    older = EnquiryFactory(reference="OLDR-0001")
    closed = EnquiryFactory(reference="DONE-0001", status=Enquiry.Status.CLOSED)
    Enquiry.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=3))
    Enquiry.objects.filter(pk=newer.pk).update(created_at=now - timedelta(hours=2))
    page, refs = queue(admin_client)
    assert refs == ["OLDR-0001", "NEWR-0001"]
    assert "waited 3" in page.select_one("#result_list tbody tr").get_text()
    _, everything = queue(admin_client, queue="all")
    assert set(everything) == {"OLDR-0001", "NEWR-0001", closed.reference}
    _, closed_ones = queue(admin_client, status__exact="closed")
    assert closed_ones == [closed.reference]


def test_overdue_is_marked_in_words_and_filtered(admin_client):
    now = timezone.now()
    late = EnquiryFactory(reference="LATE-0001", reply_due_at=now - timedelta(hours=1))
    EnquiryFactory(reference="SOON-0001", reply_due_at=now + timedelta(days=1))
    page, refs = queue(admin_client)
    rows = {
        row.select_one(".field-reference").get_text(): row
        for row in page.select("#result_list tbody tr")
    }
    assert rows["LATE-0001"].select_one(".queue-overdue").get_text() == "Overdue"
    assert "by end of" in rows["SOON-0001"].select_one(".field-reply_due").get_text()
    _, overdue = queue(admin_client, queue="overdue")
    assert overdue == [late.reference]


def test_assign_to_me_and_the_mine_queue(client):
    handler = StaffFactory(groups=["Enquiry handlers"])
    client.force_login(handler)
    chosen, other = EnquiryFactory(), EnquiryFactory()
    client.post(
        ENQUIRY_CHANGELIST, {"action": "assign_to_me", "_selected_action": [chosen.pk]}
    )
    chosen.refresh_from_db()
    assert chosen.owner == handler
    assert LogEntry.objects.get().object_id == str(chosen.pk)
    _, mine = queue(client, queue="mine")
    assert mine == [chosen.reference]
    other.refresh_from_db()
    assert other.owner is None


def test_status_changes_record_who_and_when(client):
    handler = StaffFactory(groups=["Enquiry handlers"], username="rita")
    client.force_login(handler)
    enquiry = EnquiryFactory()
    post_change(client, enquiry, status="contacted")
    client.post(
        f"{ENQUIRY_CHANGELIST}?queue=all",
        {"action": "mark_closed", "_selected_action": [enquiry.pk]},
    )
    history = list(enquiry.status_changes.values_list("status", "changed_by"))
    assert history == [("contacted", handler.pk), ("closed", handler.pk)]
    page = soup(client.get(admin_change_url(enquiry)))
    shown = page.find(id="status_changes-group").get_text(" ", strip=True)
    assert "Contacted" in shown and "Closed" in shown and "rita" in shown


def test_notes_are_added_with_author_and_time_and_cannot_be_edited(client):
    handler = StaffFactory(groups=["Enquiry handlers"], username="rita")
    client.force_login(handler)
    enquiry = EnquiryFactory()
    before = timezone.now()
    post_change(client, enquiry, **{"notes-0-text": "Left a voicemail."})
    note = enquiry.notes.get()
    assert (note.author, note.text) == (handler, "Left a voicemail.")
    assert note.created_at >= before
    page = soup(client.get(admin_change_url(enquiry)))
    # The saved note is shown, not offered for editing.
    assert page.find("textarea", attrs={"name": "notes-0-text"}) is None
    assert "Left a voicemail." in page.find(id="notes-group").get_text()
    response = post_change(client, enquiry, **{"notes-0-text": "Rewritten"})
    assert response.status_code in (200, 302)
    assert list(enquiry.notes.values_list("text", flat=True))[0] == "Left a voicemail."


def test_email_and_phone_are_links(admin_client):
    enquiry = EnquiryFactory(email="pat@example.com", phone="01632 960 001")
    page = soup(admin_client.get(admin_change_url(enquiry)))
    assert page.find("a", href="mailto:pat@example.com")
    assert page.find("a", href="tel:01632960001")


def test_owner_choices_are_staff_who_handle_enquiries(admin_client):
    StaffFactory(groups=["Enquiry handlers"], username="handler1")
    StaffFactory(groups=["Content editors"], username="editor1")
    page = soup(admin_client.get(admin_change_url(EnquiryFactory())))
    options = [o.get_text() for o in page.select("select[name=owner] option")]
    assert "handler1" in options and "editor1" not in options


def test_queue_query_count_is_the_same_for_ten_or_a_thousand(admin_client):
    def queries(rows):
        Enquiry.objects.all().delete()
        owner = StaffFactory(groups=["Enquiry handlers"])
        Enquiry.objects.bulk_create(
            EnquiryFactory.build(reference=f"Q{i:07d}", owner=owner)
            for i in range(rows)
        )
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(ENQUIRY_CHANGELIST).status_code == 200
        return len(ctx.captured_queries)

    assert queries(10) == queries(1000)


def test_what_handlers_do_is_in_the_audit_trail_by_reference(client):
    from audit.models import AuditEvent

    handler = StaffFactory(groups=["Enquiry handlers"], username="rita")
    client.force_login(handler)
    enquiry = EnquiryFactory(name="Pat Private", email="pat.private@example.com")
    post_change(
        client,
        enquiry,
        status="contacted",
        owner=str(handler.pk),
        **{"notes-0-text": "Rang Pat Private back."},
    )
    client.post(
        f"{ENQUIRY_CHANGELIST}?queue=all",
        {"action": "export_csv", "_selected_action": [enquiry.pk]},
    )
    trail = list(
        AuditEvent.objects.filter(enquiry_reference=enquiry.reference)
        .order_by("pk")
        .values_list("action", "actor_username", "detail")
    )
    assert trail == [
        ("viewed_enquiry", "rita", ""),
        ("changed_status", "rita", "new → contacted"),
        ("changed_owner", "rita", "owner: rita"),
        ("added_note", "rita", ""),
        ("exported_enquiries", "rita", ""),
    ]
    for row in AuditEvent.objects.values_list("detail", "enquiry_reference"):
        assert "Pat" not in " ".join(row) and "private" not in " ".join(row)


def test_purging_enquiries_purges_the_audit_trail_as_old(clinic):
    from audit.models import AuditEvent
    from enquiries.services import enquiries_purge

    AuditEvent.objects.create(action="viewed_enquiry", enquiry_reference="OLD1-0000")
    AuditEvent.objects.filter().update(at=timezone.now() - timedelta(days=40))
    recent = AuditEvent.objects.create(
        action="viewed_enquiry", enquiry_reference="NEW1"
    )
    enquiries_purge(older_than_days=30)
    assert list(AuditEvent.objects.all()) == [recent]


def test_the_queue_has_the_page_width_and_the_owner_field_no_user_links(admin_client):
    page = soup(admin_client.get(ENQUIRY_CHANGELIST))
    assert page.find(id="nav-sidebar") is None
    form = soup(admin_client.get(admin_change_url(EnquiryFactory())))
    assert form.select_one("select[name=owner]")
    assert form.find(id="add_id_owner") is None
    assert form.find(id="change_id_owner") is None
