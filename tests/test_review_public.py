"""What patients see of the clinical sign-off: who reviewed the page and when,
when the next review is due (and plainly when it is overdue), the latest
"what changed" note and the page history; staff see a banner on the preview
of a change waiting for approval."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import go_live
from clinical_review import documents, services
from clinical_review.models import ReviewerProfile, Revision
from tests.factories import ConditionFactory, StaffFactory, TreatmentFactory
from tests.helpers import StaffClient, soup
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

URL = "/treatments/dry-needling/"
UPDATES = "/treatments/dry-needling/updates/"
LINE = "Dr A. Example, Consultant in Sports Medicine"


def reviewer(name="Dr A. Example", role="Consultant in Sports Medicine"):
    user = StaffFactory(groups=["Clinical reviewers"])
    ReviewerProfile.objects.create(user=user, display_name=name, role=role)
    return user


def approved_long_ago(treatment, due):
    """Signed off by a reviewer a year before `due` (time moved on since)."""
    services.approve(change(treatment, editor(), summary="Checked."), reviewer())
    Treatment.objects.filter(pk=treatment.pk).update(
        last_reviewed=due - datetime.timedelta(days=365), next_review_due=due
    )


def editor():
    return StaffFactory(groups=["Content editors"])


def change(treatment, author, **fields):
    """A pending revision of `treatment` with `fields` changed."""
    doc = documents.document(treatment)
    doc["fields"].update(fields)
    return services.submit(treatment, doc, author)


def text(element):
    return " ".join(element.get_text().split())


def page_of(url=URL, client=None):
    response = (client or StaffClient()).get(url)
    assert response.status_code == 200
    return soup(response)


def json_ld_page(url=URL):
    for script in page_of(url).find_all("script", type="application/ld+json"):
        data = json.loads(script.string)
        if data["@type"] == "MedicalWebPage":
            return data
    raise AssertionError("no MedicalWebPage")


@pytest.fixture
def unreviewed(clinic):
    return TreatmentFactory(
        name="Dry needling",
        slug="dry-needling",
        last_reviewed=None,
        next_review_due=None,
        reviewed_by="",
        review_interval_months=12,
    )


def test_an_approved_page_names_its_reviewer_and_both_dates(unreviewed):
    services.approve(change(unreviewed, editor(), summary="Checked."), reviewer())
    today = timezone.localdate()
    due = services.add_months(today, 12)
    line = page_of().select_one(".review-line")
    assert text(line) == (
        f"Reviewed by {LINE} on {today:%-d %B %Y} · Next review due {due:%-d %B %Y}"
    )
    assert [t["datetime"] for t in line.find_all("time")] == [
        today.isoformat(),
        due.isoformat(),
    ]


def test_reviewed_no_changes_shows_the_reviewer_too(unreviewed):
    TreatmentFactory(slug="dry-needling", status=Treatment.Status.PUBLISHED)
    services.approve_unchanged(unreviewed, reviewer(name="Sam Clinician", role="GP"))
    assert text(page_of().select_one(".review-line")).startswith(
        "Reviewed by Sam Clinician, GP on "
    )


def test_a_page_never_reviewed_says_so_plainly(unreviewed):
    page = page_of()
    assert text(page.select_one(".review-line")) == (
        "This page has not been clinically reviewed yet."
    )
    assert page.select_one(".review-due") is None


def test_a_date_with_nobody_named_is_not_a_review(clinic):
    """What the fixture used to ship: a date typed in, no reviewer."""
    TreatmentFactory(
        slug="dry-needling",
        last_reviewed=datetime.date(2026, 11, 26),
        next_review_due=datetime.date(2027, 11, 26),
        reviewed_by="",
    )
    assert text(page_of().select_one(".review-line")) == (
        "This page has not been clinically reviewed yet."
    )
    data = json_ld_page()
    assert "lastReviewed" not in data and "reviewedBy" not in data


def test_an_overdue_page_says_it_is_due_for_review_and_stays_public(unreviewed):
    approved_long_ago(unreviewed, timezone.localdate() - datetime.timedelta(days=1))
    page = page_of()
    notice = page.select_one(".review-due")
    assert text(notice).startswith("This page is due for clinical review.")
    assert page.h1.get_text() == "Dry needling"


def test_a_page_due_today_is_not_yet_overdue(unreviewed):
    approved_long_ago(unreviewed, timezone.localdate())
    assert page_of().select_one(".review-due") is None


def test_the_what_changed_note_shows_under_the_review_line(unreviewed):
    revision = change(unreviewed, editor(), summary="With heat advice.")
    services.approve(revision, reviewer(), "Added aftercare advice about heat")
    page = page_of()
    note = page.select_one(".change-note")
    assert text(note) == (
        f"Updated on {timezone.localdate():%-d %B %Y}: "
        "Added aftercare advice about heat"
    )
    assert note.find_previous_sibling(class_="review-line") is not None
    history = page.find("a", string="Page history: what changed and when")
    assert history["href"] == UPDATES


def test_no_note_no_history_link(unreviewed):
    services.approve(change(unreviewed, editor(), summary="Checked."), reviewer())
    page = page_of()
    assert page.select_one(".change-note") is None
    assert page.find("a", href=UPDATES) is None


def test_the_page_history_lists_public_notes_newest_first(unreviewed):
    first = reviewer()
    second = reviewer(name="Sam Clinician", role="Physiotherapist")
    services.approve(change(unreviewed, editor(), summary="One."), first, "First note")
    services.approve(change(unreviewed, editor(), summary="Two."), second, "")
    services.approve(change(unreviewed, editor(), summary="3."), second, "Third note")
    sent_back = change(unreviewed, editor(), summary="Four.")
    services.send_back(sent_back, first, "Not this")
    Revision.objects.filter(pk=sent_back.pk).update(change_note="Never approved")
    page = page_of(UPDATES)
    entries = [text(li) for li in page.select(".update-list > li")]
    today = f"{timezone.localdate():%-d %B %Y}"
    assert entries == [
        f"{today}: Third note Approved by Sam Clinician, Physiotherapist",
        f"{today}: First note Approved by {LINE}",
    ]
    assert page.h1.get_text() == "Dry needling: page history"
    assert page.find("a", attrs={"aria-current": "page"})["href"] == UPDATES


def test_the_page_history_of_a_draft_is_404_even_to_staff(clinic):
    TreatmentFactory(slug="dry-needling", status=Treatment.Status.DRAFT)
    client = StaffClient()
    assert client.get(UPDATES).status_code == 404
    client.force_login(editor())
    assert client.get(UPDATES).status_code == 404


def test_the_page_history_is_a_cached_public_page(unreviewed):
    assert StaffClient().get(UPDATES)["Cache-Control"].startswith("public")
    services.approve(change(unreviewed, editor(), summary="x"), reviewer(), "New note")
    assert "New note" in page_of(UPDATES).select_one(".update-list").get_text()


def test_the_page_history_runs_three_queries(
    unreviewed, django_assert_num_queries, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    for note in ("One", "Two", "Three"):
        services.approve(change(unreviewed, editor(), summary=note), reviewer(), note)
    # the treatment, its approved notes, the clinic details
    with django_assert_num_queries(3):
        assert StaffClient().get(UPDATES).status_code == 200


def test_json_ld_follows_the_approval(unreviewed):
    assert "lastReviewed" not in json_ld_page()
    services.approve(change(unreviewed, editor(), summary="x"), reviewer())
    data = json_ld_page()
    assert data["lastReviewed"] == timezone.localdate().isoformat()
    assert data["reviewedBy"] == {"@type": "Person", "name": LINE}


def test_a_reviewed_condition_names_its_reviewer(clinic):
    ConditionFactory(
        slug="c",
        last_reviewed=datetime.date(2026, 12, 1),
        reviewed_by="A. Clinician, Physiotherapist",
    )
    line = page_of("/conditions/c/").select_one(".review-line")
    assert text(line) == "Reviewed by A. Clinician, Physiotherapist on 1 December 2026"


def test_staff_preview_of_a_pending_change_has_a_banner(unreviewed):
    revision = change(unreviewed, editor(), summary="A pending summary.")
    client = StaffClient()
    client.force_login(editor())
    page = page_of(f"{URL}?revision={revision.pk}", client)
    banner = page.select_one(".preview-banner[role=status]")
    assert text(banner).startswith("Preview of changes waiting for approval.")
    assert "Only signed-in staff see this." in text(banner)
    assert banner.a["href"] == reverse(
        "admin:clinical_review_revision_review", args=[revision.pk]
    )
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert page.select_one(".lead").get_text() == "A pending summary."


def test_the_public_never_sees_the_preview_banner(unreviewed):
    revision = change(unreviewed, editor(), summary="A pending summary.")
    page = page_of(f"{URL}?revision={revision.pk}")
    assert page.select_one(".preview-banner") is None
    assert page.select_one(".lead").get_text() == unreviewed.summary


def test_shipped_dry_needling_claims_no_review(client, seeded):
    page = page_of()
    assert text(page.select_one(".review-line")) == (
        "This page has not been clinically reviewed yet."
    )
    dry_needling = Treatment.objects.get(slug="dry-needling")
    assert dry_needling.last_reviewed is None
    assert dry_needling.next_review_due is None


def test_go_live_flags_published_pages_never_reviewed_not_drafts(clinic):
    TreatmentFactory(name="Live", last_reviewed=None, reviewed_by="")
    TreatmentFactory(
        name="Draft", last_reviewed=None, reviewed_by="", status=Treatment.Status.DRAFT
    )
    texts = [item.text for item in go_live.checklist()]
    assert "Live: never clinically reviewed." in texts
    assert "Draft: never clinically reviewed." not in texts


def test_go_live_stops_flagging_a_page_once_approved(unreviewed):
    def flagged():
        return [i.text for i in go_live.checklist() if i.text.startswith("Dry")]

    assert "Dry needling: never clinically reviewed." in flagged()
    services.approve(change(unreviewed, editor(), summary="x"), reviewer())
    assert not any("review" in t for t in flagged())


def test_go_live_flags_overdue_published_pages(unreviewed):
    approved_long_ago(unreviewed, timezone.localdate() - datetime.timedelta(days=3))
    assert "Dry needling: clinical review overdue." in [
        i.text for i in go_live.checklist()
    ]


def test_go_live_counts_published_conditions_never_reviewed(clinic):
    ConditionFactory(last_reviewed=None)
    ConditionFactory(last_reviewed=datetime.date(2026, 1, 1))
    ConditionFactory(last_reviewed=None, status="draft")
    (item,) = [i for i in go_live.checklist() if i.text.startswith("Conditions")]
    assert item.text == "Conditions: 1 published page never clinically reviewed."
    assert item.url == "/admin/conditions/condition/?reviewed=no"
