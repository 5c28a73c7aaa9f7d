"""The audit trail: who did what, when, from where; never patient data."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit import events
from audit.models import AuditEvent
from enquiries.models import Enquiry
from tests.factories import EnquiryFactory, StaffFactory, UserFactory
from tests.helpers import soup

pytestmark = pytest.mark.django_db

AUDIT_CHANGELIST = "/admin/audit/auditevent/"
LOGIN = "/admin/login/"
Action = AuditEvent.Action


def request_from(rf, user, address="203.0.113.7"):
    request = rf.get("/admin/", REMOTE_ADDR=address)
    request.user = user
    return request


# record() ----------------------------------------------------------------------


def test_record_names_the_signed_in_user_the_address_and_the_reference(rf):
    user = StaffFactory(username="alice")
    enquiry = EnquiryFactory(reference="ABC-1234")
    (event,) = events.record(
        request_from(rf, user), Action.VIEWED_ENQUIRY, enquiry=enquiry
    )
    event.refresh_from_db()
    assert (event.actor, event.actor_username) == (user, "alice")
    assert event.enquiry_reference == "ABC-1234"
    assert event.ip == "203.0.113.7"
    assert event.count is None
    assert timezone.now() - event.at < datetime.timedelta(minutes=1)


def test_an_export_is_one_event_per_enquiry_with_the_count(rf):
    user = StaffFactory()
    EnquiryFactory.create_batch(3)
    events.record(
        request_from(rf, user),
        Action.EXPORTED_ENQUIRIES,
        enquiries=Enquiry.objects.all(),
    )
    rows = AuditEvent.objects.filter(action=Action.EXPORTED_ENQUIRIES)
    assert sorted(rows.values_list("enquiry_reference", flat=True)) == sorted(
        Enquiry.objects.values_list("reference", flat=True)
    )
    assert set(rows.values_list("count", flat=True)) == {3}


def test_an_export_of_a_list_reads_the_references(rf):
    enquiries = EnquiryFactory.create_batch(2)
    events.record(
        request_from(rf, StaffFactory()), Action.EXPORTED_ENQUIRIES, enquiries=enquiries
    )
    assert AuditEvent.objects.count() == 2


def test_an_export_of_nothing_is_still_recorded(rf):
    events.record(request_from(rf, StaffFactory()), "exported_enquiries", enquiries=[])
    event = AuditEvent.objects.get()
    assert (event.enquiry_reference, event.count) == ("", 0)


def test_a_queryset_export_reads_only_the_references(rf):
    EnquiryFactory.create_batch(5)
    request = request_from(rf, StaffFactory())
    with CaptureQueriesContext(connection) as queries:
        events.record(
            request,
            Action.EXPORTED_ENQUIRIES,
            enquiries=Enquiry.objects.all(),
        )
    select = next(q["sql"] for q in queries if q["sql"].startswith("SELECT"))
    assert "message" not in select and "email" not in select
    assert len(queries) == 2  # the references, one INSERT


def test_a_command_records_without_a_request():
    user = StaffFactory(username="root")
    (event,) = events.record(None, Action.DEVICE_RESET, actor=user, detail="for bob")
    assert (event.actor_username, event.ip, event.detail) == ("root", None, "for bob")


def test_an_unknown_action_is_refused(rf):
    with pytest.raises(ValueError):
        events.record(request_from(rf, StaffFactory()), "read_minds")
    assert not AuditEvent.objects.exists()


def test_a_long_detail_is_cut_to_fit(rf):
    (event,) = events.record(
        request_from(rf, StaffFactory()), Action.CHANGED_STATUS, detail="x" * 500
    )
    assert len(event.detail) == 200


def test_the_username_outlives_the_account(rf):
    user = StaffFactory(username="leaver")
    events.record(request_from(rf, user), Action.SIGNED_IN)
    user.delete()
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_username) == (None, "leaver")


# Sign-in events ----------------------------------------------------------------


def test_a_failed_password_is_recorded_with_the_username_as_typed(client):
    StaffFactory(username="alice", password="right-password")
    client.post(LOGIN, {"username": "alice", "password": "wrong"})
    event = AuditEvent.objects.get()
    assert event.action == Action.SIGN_IN_FAILED
    assert event.actor == User.objects.get(username="alice")
    assert event.actor_username == "alice"
    assert event.ip == "127.0.0.1"
    assert "wrong" not in event.detail


def test_a_failed_sign_in_as_nobody_keeps_what_was_typed(client):
    client.post(LOGIN, {"username": "nobody", "password": "guess"})
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_username) == (None, "nobody")


def test_sign_in_is_recorded(client):
    user = UserFactory()
    client.force_login(user)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor) == (Action.SIGNED_IN, user)


# Retention ---------------------------------------------------------------------


def test_purge_removes_only_events_older_than_the_retention(rf):
    request = request_from(rf, StaffFactory())
    events.record(request, Action.SIGNED_IN)
    events.record(request, Action.SIGNED_IN)
    old = AuditEvent.objects.first()
    AuditEvent.objects.filter(pk=old.pk).update(
        at=timezone.now() - datetime.timedelta(days=366)
    )
    assert events.purge(365) == 1
    assert list(AuditEvent.objects.all()) == [
        AuditEvent.objects.exclude(pk=old.pk).get()
    ]


# Admin: superusers only, read only ---------------------------------------------


def test_superusers_read_the_trail(admin_client, rf):
    events.record(
        request_from(rf, StaffFactory(username="alice")),
        Action.VIEWED_ENQUIRY,
        enquiry=EnquiryFactory(reference="ABC-1234"),
    )
    # (admin_client's own sign-in is in the trail too)
    page = soup(admin_client.get(AUDIT_CHANGELIST, {"action__exact": "viewed_enquiry"}))
    rows = page.select("#result_list tbody tr")
    assert len(rows) == 1
    text = rows[0].get_text(" ", strip=True)
    assert "alice" in text and "Viewed an enquiry" in text and "ABC-1234" in text


def test_the_trail_has_no_add_change_or_delete(admin_client, rf):
    (event,) = events.record(request_from(rf, StaffFactory()), Action.SIGNED_IN)
    assert admin_client.get(AUDIT_CHANGELIST + "add/").status_code == 403
    response = admin_client.post(
        AUDIT_CHANGELIST + f"{event.pk}/change/", {"detail": "rewritten"}
    )
    assert response.status_code == 403
    assert admin_client.get(AUDIT_CHANGELIST + f"{event.pk}/delete/").status_code == 403
    page = soup(admin_client.get(AUDIT_CHANGELIST))
    assert page.select("select[name=action] option[value=delete_selected]") == []
    event.refresh_from_db()
    assert event.detail == ""


@pytest.mark.parametrize("groups", [[], ["Content editors"], ["Enquiry handlers"]])
def test_other_staff_never_see_the_trail(client, groups, rf):
    (event,) = events.record(request_from(rf, StaffFactory()), Action.SIGNED_IN)
    client.force_login(StaffFactory(groups=groups))
    assert client.get(AUDIT_CHANGELIST).status_code == 403
    assert client.get(AUDIT_CHANGELIST + f"{event.pk}/change/").status_code == 403
    assert b"Audit trail" not in client.get("/admin/").content


def test_the_trail_filters_by_staff_member_and_by_enquiry(admin_client, rf):
    alice, bob = StaffFactory(username="alice"), StaffFactory(username="bob")
    one, two = (
        EnquiryFactory(reference="ONE-1111"),
        EnquiryFactory(reference="TWO-2222"),
    )
    events.record(request_from(rf, alice), Action.VIEWED_ENQUIRY, enquiry=one)
    events.record(request_from(rf, bob), Action.VIEWED_ENQUIRY, enquiry=two)

    def listed(**query):
        query["action__exact"] = "viewed_enquiry"
        page = soup(admin_client.get(AUDIT_CHANGELIST, query))
        return [
            row.select_one(".field-actor_username").text
            for row in page.select("#result_list tbody tr")
        ]

    assert listed(actor__id__exact=alice.pk) == ["alice"]
    assert listed(q="TWO-2222") == ["bob"]
    assert sorted(listed()) == ["alice", "bob"]


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_trail_list_runs_a_constant_number_of_queries(admin_client, rows):
    staff = StaffFactory.create_batch(3)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=staff[i % 3],
            actor_username=staff[i % 3].username,
            action=Action.VIEWED_ENQUIRY,
            enquiry_reference=f"REF-{i:04d}",
        )
        for i in range(rows)
    )
    admin_client.get(AUDIT_CHANGELIST)  # warm: content types, session
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(AUDIT_CHANGELIST)
    assert response.status_code == 200
    # session, user, the session's device, the staff filter's choices, the
    # count, the clinic details, the page of events, the session's expiry (3)
    assert len(queries) == 10, [q["sql"][:60] for q in queries]


# Staff actions on enquiries (recorded by enquiries/admin.py) -------------------

UNIQUE = {
    "name": "Zebedee Quasimodo-Fairweather",
    "email": "zq.fairweather.7731@example.org",
    "phone": "07700 900 731",
    "message": "Left heel pain since the marathon; unique-marker-5d41402a.",
}


def test_what_staff_do_with_an_enquiry_is_in_the_trail_without_patient_data(
    admin_client, admin_user
):
    enquiry = EnquiryFactory(reference="ZQF-7731", **UNIQUE)
    change = f"/admin/enquiries/enquiry/{enquiry.pk}/change/"
    assert admin_client.get(change).status_code == 200
    # (contacted last: the queue it acts on lists open enquiries only)
    for action in ["export_csv", "assign_to_me", "mark_contacted"]:
        response = admin_client.post(
            "/admin/enquiries/enquiry/",
            {"action": action, "_selected_action": [enquiry.pk]},
        )
        assert response.status_code in (200, 302), action

    page = soup(admin_client.get(AUDIT_CHANGELIST, {"q": "ZQF-7731"}))
    rows = [
        " ".join(row.get_text(" ", strip=True).split())
        for row in page.select("#result_list tbody tr")
    ]
    listed = {action for action in Action.labels if any(action in r for r in rows)}
    assert listed == {
        "Viewed an enquiry",
        "Exported enquiries",
        "Changed an enquiry's status",
        "Changed an enquiry's owner",
    }
    assert all(admin_user.username in row for row in rows)
    assert any("new → contacted" in row for row in rows)

    # No column of any audit row holds anything the patient sent.
    values = [
        str(value)
        for row in AuditEvent.objects.values_list()
        for value in row
        if value is not None
    ]
    for field, detail in UNIQUE.items():
        pieces = [detail, *detail.split()] if field != "phone" else [detail]
        for piece in pieces:
            if len(piece) >= 5:
                assert not [v for v in values if piece.lower() in v.lower()], piece
