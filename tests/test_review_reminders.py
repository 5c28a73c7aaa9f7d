"""Reminders and the admin to-do: `manage.py send_review_reminders` emails
each content editor and clinical reviewer what is theirs to do (pages due
soon, overdue or never reviewed; changes waiting for approval or sent back),
titles and links only; the admin index shows each role the same list."""

import datetime
import logging
import time
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinical_review import documents, services
from clinical_review.models import ReviewerProfile
from tests.factories import EnquiryFactory, StaffFactory, TreatmentFactory
from tests.helpers import StaffClient, admin_change_url, silent_port, soup
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

COMMENT = "Please cite the trial for the heat advice."
PRIVATE = {
    "name": "Remy Remindername",
    "email": "remy.reminder@example.com",
    "phone": "07700 900456",
    "message": "Plantar fasciitis since the Wobbleton half marathon",
}


def reviewer(username, name="Dr A. Example"):
    user = StaffFactory(username=username, groups=["Clinical reviewers"])
    ReviewerProfile.objects.create(user=user, display_name=name, role="GP")
    return user


def change(treatment, author):
    doc = documents.document(treatment)
    doc["fields"]["summary"] = f"{treatment.summary} Changed."
    return services.submit(treatment, doc, author)


def reviewed(name, due, approver):
    """A published page a reviewer signed off, now due on `due`."""
    treatment = TreatmentFactory(name=name, last_reviewed=None, reviewed_by="")
    services.approve_unchanged(treatment, approver)
    Treatment.objects.filter(pk=treatment.pk).update(
        last_reviewed=due - datetime.timedelta(days=365), next_review_due=due
    )
    return treatment


@pytest.fixture
def work(clinic):
    """Pages and people: Overdue, Soon (due in 10 days), Later (in 100),
    Unreviewed (published, never reviewed) and a never-reviewed draft;
    Waiting has a change by the editor waiting, Returned one sent back."""
    today = timezone.localdate()
    people = {
        "editor": StaffFactory(username="eda", groups=["Content editors"]),
        "reviewer": reviewer("rev"),
        "other_reviewer": reviewer("rev2", name="Dr B. Example"),
        "handler": StaffFactory(username="hana", groups=["Enquiry handlers"]),
    }
    approver = people["other_reviewer"]
    pages = {
        "overdue": reviewed("Overdue", today - datetime.timedelta(days=2), approver),
        "soon": reviewed("Soon", today + datetime.timedelta(days=10), approver),
        "later": reviewed("Later", today + datetime.timedelta(days=100), approver),
        "unreviewed": TreatmentFactory(
            name="Unreviewed", last_reviewed=None, reviewed_by=""
        ),
        "draft": TreatmentFactory(
            name="Draft",
            last_reviewed=None,
            reviewed_by="",
            status=Treatment.Status.DRAFT,
        ),
        "waiting": reviewed("Waiting", today + datetime.timedelta(days=200), approver),
        "returned": reviewed(
            "Returned", today + datetime.timedelta(days=200), approver
        ),
    }
    pages["pending"] = change(pages["waiting"], people["editor"])
    services.send_back(change(pages["returned"], people["editor"]), approver, COMMENT)
    EnquiryFactory(treatment=pages["soon"], **PRIVATE)
    return people | pages


def run():
    out = StringIO()
    call_command("send_review_reminders", stdout=out)
    return out.getvalue().strip()


def email_to(user):
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    return message


def test_one_email_each_to_editors_and_reviewers_only(work):
    assert run() == "Review reminders sent: 3."
    assert sorted(m.to[0] for m in mail.outbox) == [
        "eda@example.com",
        "rev2@example.com",
        "rev@example.com",
    ]


def test_an_editor_gets_sent_back_and_the_pages_due(work, settings):
    run()
    message = email_to(work["editor"])
    assert message.subject == (
        "Clinical review: 1 sent back, 1 overdue, 1 never reviewed, 1 due soon"
    )
    lines = message.body.splitlines()
    site = settings.SITE_URL
    assert "- Returned" in lines
    assert f"  {site}{admin_change_url(work['returned'])}" in lines
    assert "- Overdue (was due " in message.body
    assert f"  {site}{admin_change_url(work['overdue'])}" in lines
    assert "- Unreviewed" in lines
    assert any(line.startswith("- Soon (due ") for line in lines)
    assert "Waiting for your approval" not in message.body
    # Not due yet, not public, and a reviewer's business:
    for absent in ("Later", "Draft", "Waiting"):
        assert not any(line.startswith(f"- {absent}") for line in lines)


def test_a_reviewer_gets_the_changes_waiting_with_review_links(work, settings):
    run()
    message = email_to(work["reviewer"])
    assert message.subject == (
        "Clinical review: 1 waiting for approval, 1 overdue, 1 never reviewed, "
        "1 due soon"
    )
    review = reverse("admin:clinical_review_revision_review", args=[work["pending"].pk])
    lines = message.body.splitlines()
    assert lines[lines.index("- Waiting") + 1] == f"  {settings.SITE_URL}{review}"
    assert "- Returned" not in lines


def test_the_due_soon_window_is_the_setting(work, settings):
    settings.CLINICAL_REVIEW_DUE_SOON_DAYS = 5
    run()
    assert not any(
        line.startswith("- Soon") for line in email_to(work["editor"]).body.splitlines()
    )
    mail.outbox.clear()
    settings.CLINICAL_REVIEW_DUE_SOON_DAYS = 120
    run()
    assert any(
        line.startswith("- Later")
        for line in email_to(work["editor"]).body.splitlines()
    )


def test_links_are_on_the_sites_public_address(work, settings):
    settings.SITE_URL = "https://clinic.example"
    run()
    link = f"  https://clinic.example{admin_change_url(work['overdue'])}"
    assert link in email_to(work["editor"]).body.splitlines()


def test_no_patient_data_and_no_reviewer_comment_in_emails_or_output(work, caplog):
    with caplog.at_level(logging.DEBUG):
        output = run()
    sent = "\n".join(
        [output, caplog.text, *(f"{m.subject}\n{m.body}" for m in mail.outbox)]
    )
    for value in PRIVATE.values():
        assert value not in sent
    assert COMMENT not in sent  # titles and links only


def test_a_reviewer_is_not_asked_to_approve_their_own_change(work, settings):
    """Four-eyes: their change waits for another reviewer."""
    settings.CLINICAL_REVIEW_FOUR_EYES = True
    change(work["soon"], work["reviewer"])
    run()
    lines = email_to(work["reviewer"]).body.splitlines()
    assert "- Soon" not in lines
    assert "- Soon" in email_to(work["other_reviewer"]).body.splitlines()


def test_without_four_eyes_their_own_change_is_listed(work, settings):
    settings.CLINICAL_REVIEW_FOUR_EYES = False
    change(work["soon"], work["reviewer"])
    run()
    assert "- Soon" in email_to(work["reviewer"]).body.splitlines()


def test_nothing_to_say_sends_nothing(clinic):
    StaffFactory(groups=["Content editors"])
    reviewer("rev")
    assert run() == "Review reminders sent: 0."
    assert mail.outbox == []


def test_inactive_or_emailless_staff_and_non_staff_get_nothing(work):
    StaffFactory(username="gone", groups=["Content editors"], is_active=False)
    StaffFactory(username="noaddr", groups=["Content editors"], email="")
    StaffFactory(username="notstaff", groups=["Content editors"], is_staff=False)
    assert run() == "Review reminders sent: 3."
    assert not {"gone@example.com", "notstaff@example.com"} & {
        m.to[0] for m in mail.outbox
    }


def test_a_user_with_the_change_permission_alone_is_an_editor(work):
    user = StaffFactory(username="direct")
    user.user_permissions.add(Permission.objects.get(codename="change_treatment"))
    run()
    assert "- Returned" in email_to(user).body.splitlines()


def test_a_refusing_mail_server_is_a_clear_error(work, settings):
    settings.EMAIL_BACKEND = "tests.helpers.FailingBackend"
    with pytest.raises(
        CommandError,
        match=r"^Review reminders: 0 sent, 3 not sent \(ConnectionRefusedError\)",
    ):
        run()


def test_a_hanging_mail_server_fails_within_the_email_timeout(work, settings):
    with silent_port() as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 1
        started = time.monotonic()
        with pytest.raises(CommandError, match="3 not sent"):
            run()
        assert time.monotonic() - started < 10


# The admin index --------------------------------------------------------------


def todo_box(user):
    client = StaffClient()
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return soup(response).find(id="review-todo")


def headed(box, heading):
    """The list under the h3 `heading`: [(link text, href, the item's text)]."""
    h3 = box.find("h3", string=lambda s: s and s.startswith(heading))
    if h3 is None:
        return None
    return [
        (li.a.get_text(), li.a["href"], " ".join(li.get_text(" ").split()))
        for li in h3.find_next_sibling("ul").find_all("li")
    ]


def test_a_reviewer_sees_the_changes_waiting_with_links_to_review(work):
    box = todo_box(work["reviewer"])
    review = reverse("admin:clinical_review_revision_review", args=[work["pending"].pk])
    assert headed(box, "Waiting for your approval") == [
        ("Review the changes to Waiting", review, "Review the changes to Waiting")
    ]
    assert headed(box, "Sent back") is None


def test_an_editor_sees_sent_back_with_the_comment_and_the_pages_due(work):
    box = todo_box(work["editor"])
    returned = admin_change_url(work["returned"])
    assert headed(box, "Sent back by a reviewer") == [
        ("Returned", returned, f"Returned Reviewer’s comment: “{COMMENT}”")
    ]
    due = Treatment.objects.get(pk=work["overdue"].pk).next_review_due
    assert headed(box, "Review overdue") == [
        (
            f"Overdue (was due {due:%-d %B %Y})",
            admin_change_url(work["overdue"]),
            f"Overdue (was due {due:%-d %B %Y})",
        )
    ]
    assert [t for t, _, _ in headed(box, "Never clinically reviewed")] == ["Unreviewed"]
    (soon,) = headed(box, "Review due within 30 days")
    assert soon[0].startswith("Soon (due ")
    assert headed(box, "Waiting for your approval") is None


def test_nothing_to_do_says_so(clinic):
    box = todo_box(StaffFactory(groups=["Content editors"]))
    assert box.p.get_text().startswith("Nothing waiting")


def test_enquiry_handlers_see_no_review_todo(work):
    assert todo_box(work["handler"]) is None


def test_the_to_do_costs_the_same_queries_however_many_pages(work):
    client = StaffClient()
    client.force_login(work["editor"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("admin:index")).status_code == 200
        return len(queries)

    count()  # the session and permissions, once
    before = count()
    for i in range(10):
        TreatmentFactory(name=f"More {i}", last_reviewed=None, reviewed_by="")
        reviewed(f"Due {i}", timezone.localdate(), work["other_reviewer"])
    assert count() == before
