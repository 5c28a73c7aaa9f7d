"""Clinical sign-off: nothing an editor saves reaches the public page until a
clinical reviewer (not the editor) approves it; approval publishes at once and
signs the page off."""

import datetime

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from clinical_review import services
from clinical_review.models import ReviewerProfile, Revision
from tests.factories import StaffFactory, TreatmentFactory, TreatmentPointFactory
from tests.helpers import StaffClient, inline_prefix, post_change, soup
from treatments.models import Section, Treatment

pytestmark = pytest.mark.django_db

OLD = "The clinic's approved overview."
NEW = "An editor's new overview, not yet approved."


def editor():
    return StaffFactory(
        groups=["Content editors"], first_name="Eda", last_name="Editor"
    )


def reviewer(name="Dr A. Example", role="Consultant in Sports Medicine", **kwargs):
    user = StaffFactory(groups=["Clinical reviewers"], **kwargs)
    ReviewerProfile.objects.create(user=user, display_name=name, role=role)
    return user


def signed_in(user):
    client = StaffClient()
    client.force_login(user)
    return client


@pytest.fixture
def page(clinic):
    treatment = TreatmentFactory(
        slug="dry-needling",
        name="Dry needling",
        overview=OLD,
        review_interval_months=12,
    )
    TreatmentPointFactory(
        treatment=treatment, section=Section.BENEFITS, text="Eases pain"
    )
    return treatment


def public_text(path="/treatments/dry-needling/"):
    response = StaffClient().get(path)
    assert response.status_code == 200
    return soup(response).select_one("main").get_text(" ", strip=True)


def test_an_editors_save_of_a_live_page_waits_for_approval(page):
    assert OLD in public_text()  # cached now
    response = post_change(signed_in(editor()), page, overview=NEW)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.overview == OLD
    assert OLD in public_text() and NEW not in public_text()
    revision = Revision.objects.get(treatment=page)
    assert revision.status == Revision.Status.PENDING
    assert revision.document["fields"]["overview"] == NEW


def test_a_new_bullet_waits_too_and_is_published_on_approval(page):
    prefix = inline_prefix(Section.AFTERCARE)
    post_change(
        signed_in(editor()),
        page,
        **{
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-text": "Rest the area for a day.",
            f"{prefix}-0-order": "",
        },
    )
    assert not page.points.filter(text="Rest the area for a day.").exists()
    revision = Revision.objects.get(treatment=page)
    added = [
        row for row in revision.document["points"] if row["section"] == "aftercare"
    ]
    assert added == [
        {
            "id": added[0]["id"],  # the id its rolled-back save gave it
            "section": "aftercare",
            "order": 0,
            "text": "Rest the area for a day.",
            "is_contraindication": False,
        }
    ]
    services.approve(revision, reviewer())
    assert page.points.filter(text="Rest the area for a day.").count() == 1
    assert "Rest the area for a day." in public_text()


def test_approval_publishes_at_once_and_signs_the_page_off(page):
    assert OLD in public_text()
    post_change(signed_in(editor()), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    client = signed_in(reviewer())
    url = reverse("admin:clinical_review_revision_review", args=[revision.pk])
    response = client.post(url, {"approve": "1", "change_note": "Clearer overview"})
    assert response.status_code == 302
    assert NEW in public_text()  # the cached page was dropped
    page.refresh_from_db()
    today = timezone.localdate()
    assert page.last_reviewed == today
    assert page.next_review_due == services.add_months(today, 12)
    assert page.reviewed_by == "Dr A. Example, Consultant in Sports Medicine"
    assert (page.change_note, page.changed_on) == ("Clearer overview", today)
    revision.refresh_from_db()
    assert revision.status == Revision.Status.APPROVED


def test_add_months_keeps_the_day_or_the_months_last_day():
    assert services.add_months(datetime.date(2026, 12, 2), 12) == datetime.date(
        2027, 12, 2
    )
    assert services.add_months(datetime.date(2026, 8, 31), 6) == datetime.date(
        2027, 2, 28
    )


def test_a_reviewer_cannot_approve_their_own_change(page):
    both = reviewer()
    both.groups.add(*editor().groups.all())
    post_change(signed_in(both), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    url = reverse("admin:clinical_review_revision_review", args=[revision.pk])
    response = signed_in(both).post(url, {"approve": "1"}, follow=True)
    assert "four-eyes" in response.content.decode()
    page.refresh_from_db()
    assert page.overview == OLD
    with pytest.raises(services.SignOffRefused):
        services.approve(revision, both)


@override_settings(CLINICAL_REVIEW_FOUR_EYES=False)
def test_a_one_person_clinic_can_turn_the_four_eyes_rule_off(page):
    both = reviewer()
    both.groups.add(*editor().groups.all())
    post_change(signed_in(both), page, overview=NEW)
    services.approve(Revision.objects.get(treatment=page), both)
    page.refresh_from_db()
    assert page.overview == NEW


def test_an_editor_cannot_approve_with_a_crafted_post(page):
    post_change(signed_in(editor()), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    url = reverse("admin:clinical_review_revision_review", args=[revision.pk])
    signed_in(editor()).post(url, {"approve": "1", "change_note": "sneaky"})
    page.refresh_from_db()
    assert page.overview == OLD
    revision.refresh_from_db()
    assert revision.status == Revision.Status.PENDING


def test_posted_review_fields_are_ignored(page):
    post_change(
        signed_in(editor()),
        page,
        last_reviewed="2030-01-01",
        next_review_due="2031-01-01",
        reviewed_by="Dr Nobody",
    )
    page.refresh_from_db()
    assert page.last_reviewed == datetime.date(2026, 1, 15)
    assert page.reviewed_by == ""


def test_a_reviewer_without_a_public_name_cannot_approve(page):
    post_change(signed_in(editor()), page, overview=NEW)
    nameless = StaffFactory(groups=["Clinical reviewers"])
    with pytest.raises(services.SignOffRefused, match="name and role"):
        services.approve(Revision.objects.get(treatment=page), nameless)


def test_the_publish_action_sends_drafts_for_approval(clinic):
    draft = TreatmentFactory(slug="new-page", status=Treatment.Status.DRAFT)
    client = signed_in(editor())
    client.post(
        reverse("admin:treatments_treatment_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == Treatment.Status.DRAFT
    assert StaffClient().get("/treatments/new-page/").status_code == 404
    revision = Revision.objects.get(treatment=draft, status="pending")
    services.approve(revision, reviewer())
    assert StaffClient().get("/treatments/new-page/").status_code == 200


def test_a_draft_published_from_its_form_stays_a_draft_until_approved(clinic):
    draft = TreatmentFactory(slug="new-page", status=Treatment.Status.DRAFT)
    post_change(signed_in(editor()), draft, status="published", overview="Draft text")
    draft.refresh_from_db()
    assert draft.status == Treatment.Status.DRAFT
    assert draft.overview == "Draft text"  # a draft's own rows are its working copy
    revision = Revision.objects.get(treatment=draft, status="pending")
    assert revision.document["fields"]["status"] == "published"


def test_a_draft_save_is_kept_in_history_without_approval(clinic):
    draft = TreatmentFactory(slug="new-page", status=Treatment.Status.DRAFT)
    post_change(signed_in(editor()), draft, overview="Draft text")
    draft.refresh_from_db()
    assert draft.overview == "Draft text"
    assert list(draft.revisions.values_list("status", flat=True)) == ["draft"]


def test_a_new_save_replaces_the_change_that_waited(page):
    client = signed_in(editor())
    post_change(client, page, overview=NEW)
    post_change(client, page, overview="A second try.")
    statuses = dict(page.revisions.values_list("document__fields__overview", "status"))
    assert statuses == {NEW: "replaced", "A second try.": "pending"}


def test_saving_nothing_new_sends_nothing(page):
    post_change(signed_in(editor()), page)
    assert not page.revisions.exists()


def test_send_back_leaves_the_page_and_shows_the_comment_to_the_editor(page):
    author = editor()
    post_change(signed_in(author), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    url = reverse("admin:clinical_review_revision_review", args=[revision.pk])
    signed_in(reviewer()).post(url, {"send_back": "1", "comment": "Cite a source."})
    revision.refresh_from_db()
    assert revision.status == Revision.Status.SENT_BACK
    page.refresh_from_db()
    assert page.overview == OLD
    form = signed_in(author).get(
        reverse("admin:treatments_treatment_change", args=[page.pk])
    )
    banner = soup(form).select_one(".signoff-banner")
    assert "Cite a source." in banner.text


def test_send_back_needs_a_comment(page):
    post_change(signed_in(editor()), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    with pytest.raises(services.SignOffRefused):
        services.send_back(revision, reviewer(), "  ")


def test_restoring_from_history_is_a_pending_change(page):
    client = signed_in(editor())
    post_change(client, page, overview=NEW)
    services.approve(Revision.objects.get(treatment=page), reviewer())
    post_change(client, page, overview="Third text.")
    services.approve(page.revisions.get(status="pending"), reviewer())
    first = page.revisions.get(document__fields__overview=NEW)
    response = client.post(
        reverse("admin:clinical_review_revision_restore", args=[first.pk])
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.overview == "Third text."
    restored = page.revisions.get(status="pending")
    assert restored.restored_from == first
    assert restored.document["fields"]["overview"] == NEW


def test_an_enquiry_handler_cannot_restore(page):
    post_change(signed_in(editor()), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    handler = StaffFactory(groups=["Enquiry handlers"])
    response = signed_in(handler).post(
        reverse("admin:clinical_review_revision_restore", args=[revision.pk])
    )
    assert response.status_code == 403
    assert page.revisions.count() == 1


def test_staff_preview_shows_the_pending_change_and_the_public_does_not(page):
    post_change(signed_in(editor()), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    url = f"/treatments/dry-needling/?revision={revision.pk}"
    response = signed_in(editor()).get(url)
    assert response.status_code == 200
    assert NEW in soup(response).get_text()
    assert "no-store" in response["Cache-Control"]
    page.refresh_from_db()
    assert page.overview == OLD  # the preview's writes were rolled back
    assert NEW not in soup(StaffClient().get(url)).get_text()


def test_a_preview_of_another_pages_revision_is_404(page):
    other = TreatmentFactory(slug="other")
    post_change(signed_in(editor()), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    url = f"/treatments/{other.slug}/?revision={revision.pk}"
    assert signed_in(editor()).get(url).status_code == 404
    assert signed_in(editor()).get("/treatments/other/?revision=x1").status_code == 404


def test_the_review_screen_shows_word_level_changes(page):
    post_change(signed_in(editor()), page, overview=OLD.replace("approved", "checked"))
    revision = Revision.objects.get(treatment=page)
    response = signed_in(reviewer()).get(
        reverse("admin:clinical_review_revision_review", args=[revision.pk])
    )
    html = soup(response)
    assert " ".join(html.select_one(".signoff del").get_text().split()) == (
        "removed: approved"
    )
    assert " ".join(html.select_one(".signoff ins").get_text().split()) == (
        "added: checked"
    )
    assert html.find("h3", string="Overview") is not None


def test_reviewed_no_changes_signs_the_page_off(page):
    client = signed_in(reviewer())
    url = reverse("admin:clinical_review_revision_confirm", args=[page.pk])
    response = client.post(url, {"change_note": ""})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.last_reviewed == timezone.localdate()
    assert page.revisions.get().unchanged


def test_an_editor_cannot_confirm_a_page_unchanged(page):
    url = reverse("admin:clinical_review_revision_confirm", args=[page.pk])
    signed_in(editor()).post(url, {"change_note": ""})
    page.refresh_from_db()
    assert page.last_reviewed == datetime.date(2026, 1, 15)


def test_history_is_newest_first_and_compares_any_two(page):
    client = signed_in(editor())
    post_change(client, page, overview=NEW)
    services.approve(page.revisions.get(status="pending"), reviewer())
    post_change(client, page, overview="Third text.")
    history = client.get(reverse("admin:treatments_treatment_history", args=[page.pk]))
    rows = [row.get_text(" ", strip=True) for row in soup(history).select("tbody tr")]
    assert rows[0].startswith("Now")
    assert "Waiting for approval" in rows[1]
    assert "Approved by Dr A. Example" in rows[2]
    first, second = page.revisions.order_by("created_at")
    compare = client.get(
        reverse("admin:clinical_review_revision_compare"),
        {"treatment": page.pk, "old": first.pk, "new": second.pk},
    )
    assert compare.status_code == 200
    assert "Third" in soup(compare).select_one(".signoff ins").text


def test_compare_answers_404_for_nonsense(page):
    client = signed_in(editor())
    url = reverse("admin:clinical_review_revision_compare")
    assert client.get(url, {"treatment": "x"}).status_code == 404
    assert client.get(url, {"treatment": page.pk, "old": "99999"}).status_code == 404


def test_loading_content_again_changes_no_live_page(page):
    call_command("load_initial_content", verbosity=0)
    page.refresh_from_db()
    assert page.overview == OLD


def test_a_photo_waiting_for_approval_is_never_purged(page, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path / "media"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(buffer, "JPEG")
    photo = SimpleUploadedFile(
        "photo.jpg", buffer.getvalue(), content_type="image/jpeg"
    )
    post_change(signed_in(editor()), page, image=photo, image_alt="A clinician")
    page.refresh_from_db()
    assert not page.image  # waiting
    waiting_name = Revision.objects.get(treatment=page).document["fields"]["image"]
    assert (settings.MEDIA_ROOT / waiting_name).is_file()
    call_command("purge_unused_images", "--ignore-history", verbosity=0)
    assert (settings.MEDIA_ROOT / waiting_name).is_file()
    services.approve(Revision.objects.get(treatment=page), reviewer())
    page.refresh_from_db()
    assert page.image.name == waiting_name


def test_the_form_opens_on_the_change_that_waits_and_builds_on_it(page):
    """An editor's second save keeps the first save's new bullet: the form
    shows the waiting change, not the live page (the same rows on GET and on
    POST, on PostgreSQL's sequences too)."""
    client = signed_in(editor())
    prefix = inline_prefix(Section.AFTERCARE)
    post_change(
        client,
        page,
        **{
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-text": "Rest the area for a day.",
            f"{prefix}-0-order": "",
        },
    )
    form = client.get(reverse("admin:treatments_treatment_change", args=[page.pk]))
    assert "Rest the area for a day." in form.content.decode()
    banner = soup(form).select_one(".signoff-banner").get_text(" ", strip=True)
    assert "shows the page with those changes" in banner
    assert post_change(client, page, overview=NEW).status_code == 302
    latest = page.revisions.get(status="pending")
    assert latest.document["fields"]["overview"] == NEW
    aftercare = [r for r in latest.document["points"] if r["section"] == "aftercare"]
    assert [r["text"] for r in aftercare] == ["Rest the area for a day."]
    assert not page.points.filter(section="aftercare").exists()  # still waiting
    services.approve(latest, reviewer())
    texts = page.points.filter(section="aftercare").values_list("text", flat=True)
    assert list(texts) == ["Rest the area for a day."]


def test_an_editor_fixes_a_sent_back_change_in_the_form(page):
    author = editor()
    post_change(signed_in(author), page, overview=NEW)
    revision = Revision.objects.get(treatment=page)
    services.send_back(revision, reviewer(), "Say who it is for.")
    client = signed_in(author)
    form = client.get(reverse("admin:treatments_treatment_change", args=[page.pk]))
    assert NEW in soup(form).get_text()
    post_change(client, page, overview=NEW + " For adults.")
    fixed = page.revisions.get(status="pending")
    assert fixed.document["fields"]["overview"] == NEW + " For adults."
    revision.refresh_from_db()
    assert revision.status == Revision.Status.REPLACED


def test_opening_the_form_on_a_waiting_change_leaves_the_page_and_the_cache(
    page, monkeypatch
):
    from clinic_site.pagecache import store

    post_change(signed_in(editor()), page, overview=NEW)
    cleared = []
    monkeypatch.setattr(store, "clear_public_pages", lambda: cleared.append(1))
    client = signed_in(editor())
    client.get(reverse("admin:treatments_treatment_change", args=[page.pk]))
    assert cleared == []
    page.refresh_from_db()
    assert page.overview == OLD


def test_saving_a_draft_withdraws_its_waiting_request_to_publish(clinic):
    draft = TreatmentFactory(slug="new-page", status=Treatment.Status.DRAFT)
    client = signed_in(editor())
    post_change(client, draft, status="published")
    assert draft.revisions.get().status == "pending"
    post_change(client, draft, status="draft", overview="More draft text")
    statuses = list(draft.revisions.values_list("status", flat=True))
    assert statuses == ["draft", "replaced"]


@pytest.mark.parametrize("pk", ["abc", "99999"])
def test_a_malformed_change_form_address_is_not_an_error(page, pk):
    response = signed_in(editor()).get(f"/admin/treatments/treatment/{pk}/change/")
    assert response.status_code in (302, 404)


def test_only_a_clinical_reviewer_records_a_conditions_review(clinic):
    from conditions.models import Condition
    from tests.factories import ConditionFactory

    condition = ConditionFactory(last_reviewed=None, reviewed_by="")
    changelist = reverse("admin:conditions_condition_changelist")
    action = {"action": "record_review", "_selected_action": [condition.pk]}
    signed_in(editor()).post(changelist, action)
    condition.refresh_from_db()
    assert condition.last_reviewed is None
    long_role = "Consultant in Sport and Exercise Medicine and Musculoskeletal " * 2
    signed_in(reviewer(role=long_role.strip())).post(changelist, action)
    condition = Condition.objects.get(pk=condition.pk)
    assert condition.last_reviewed == timezone.localdate()
    assert condition.reviewed_by.startswith("Dr A. Example, Consultant")


def test_a_conditions_review_fields_cannot_be_typed(clinic):
    from tests.factories import ConditionFactory

    condition = ConditionFactory(last_reviewed=None, reviewed_by="")
    post_change(
        signed_in(editor()), condition, last_reviewed="2026-01-01", reviewed_by="Me"
    )
    condition.refresh_from_db()
    assert (condition.last_reviewed, condition.reviewed_by) == (None, "")


def test_a_reviewed_no_changes_note_does_not_tell_patients_the_page_was_updated(page):
    services.approve_unchanged(page, reviewer(), "Checked against new guidance")
    page.refresh_from_db()
    assert (page.change_note, page.changed_on) == ("", None)
    assert page.revisions.get().change_note == "Checked against new guidance"


def test_the_revisions_list_filters_by_the_statuses_it_lists(page):
    post_change(signed_in(editor()), page, overview=NEW)
    client = signed_in(reviewer())
    url = reverse("admin:clinical_review_revision_changelist")
    filters = soup(client.get(url)).select("#changelist-filter a")
    labels = {a.get_text(strip=True) for a in filters}
    assert "Waiting for approval" in labels
    assert "Saved as a draft (not public)" not in labels
    assert client.get(url, {"status": "approved"}).status_code == 200


# Found in review: each failed before its fix ----------------------------------


def test_a_first_publication_is_compared_with_an_empty_page(clinic):
    draft = TreatmentFactory(slug="new-page", status=Treatment.Status.DRAFT)
    post_change(signed_in(editor()), draft, status="published", overview="All new")
    revision = draft.revisions.get(status="pending")
    response = signed_in(reviewer()).get(
        reverse("admin:clinical_review_revision_review", args=[revision.pk])
    )
    headings = [h.get_text(strip=True) for h in soup(response).select(".signoff h3")]
    assert "Overview" in headings and "Top of the page" in headings


def test_edits_made_while_a_page_was_hidden_are_shown_when_it_is_republished(page):
    client = signed_in(editor())
    changelist = reverse("admin:treatments_treatment_changelist")
    client.post(changelist, {"action": "unpublish", "_selected_action": [page.pk]})
    post_change(client, page, overview="Written while hidden")
    post_change(client, page, status="published")
    revision = page.revisions.get(status="pending")
    response = signed_in(reviewer()).get(
        reverse("admin:clinical_review_revision_review", args=[revision.pk])
    )
    assert "Written while hidden" in soup(response).select_one(".signoff").get_text()


def test_hiding_a_page_withdraws_the_change_waiting_to_go_live(page):
    post_change(signed_in(editor()), page, overview=NEW)
    changelist = reverse("admin:treatments_treatment_changelist")
    signed_in(editor()).post(
        changelist, {"action": "unpublish", "_selected_action": [page.pk]}
    )
    assert not page.revisions.open().exists()


def test_anyone_who_saved_into_a_change_cannot_approve_it(page):
    author = reviewer(name="Dr A")
    author.groups.add(*editor().groups.all())
    post_change(signed_in(author), page, overview="A wrote this")
    post_change(signed_in(editor()), page, overview="A wrote this.")  # a small edit
    latest = page.revisions.get(status="pending")
    with pytest.raises(services.SignOffRefused, match="four-eyes"):
        services.approve(latest, author)


def test_a_change_still_waiting_cannot_be_restored(page):
    post_change(signed_in(editor()), page, overview=NEW)
    revision = page.revisions.get(status="pending")
    client = signed_in(editor())
    client.post(reverse("admin:clinical_review_revision_restore", args=[revision.pk]))
    assert page.revisions.count() == 1
    with pytest.raises(services.SignOffRefused):
        services.restore(revision, editor())


def test_a_slug_taken_meanwhile_is_a_clear_refusal_not_a_500(page):
    client = signed_in(editor())
    post_change(client, page, slug="needling")
    TreatmentFactory(slug="needling", name="Other")
    revision = page.revisions.get(status="pending")
    assert (
        client.get(
            reverse("admin:treatments_treatment_change", args=[page.pk])
        ).status_code
        == 200
    )
    assert (
        client.get(f"/treatments/dry-needling/?revision={revision.pk}").status_code
        == 404
    )
    with pytest.raises(services.SignOffRefused, match="cannot be published"):
        services.approve(revision, reviewer())
    url = reverse("admin:clinical_review_revision_review", args=[revision.pk])
    response = signed_in(reviewer()).post(url, {"approve": "1"})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", "¹²", "1.0", "-1", "9" * 30])
def test_a_strange_revision_parameter_is_404(page, value):
    response = signed_in(editor()).get("/treatments/dry-needling/", {"revision": value})
    assert response.status_code == 404


def test_save_as_new_is_refused_on_a_treatment(page):
    url = reverse("admin:treatments_treatment_change", args=[page.pk])
    response = signed_in(editor()).post(url, {"_saveasnew": "1", "name": "Copy"})
    assert response.status_code == 403
    assert Treatment.objects.count() == 1


def test_editing_a_reviewed_condition_clears_its_review(clinic):
    from tests.factories import ConditionFactory

    condition = ConditionFactory(
        last_reviewed=datetime.date(2026, 11, 1), reviewed_by="Dr R, GP"
    )
    post_change(signed_in(editor()), condition, summary="Rewritten by an editor.")
    condition.refresh_from_db()
    assert (condition.last_reviewed, condition.reviewed_by) == (None, "")


def test_a_pages_public_history_is_in_the_sitemap_once_it_has_a_note(page, settings):
    from clinic_site.pagecache import purge

    assert "/treatments/dry-needling/updates/" not in purge.public_page_paths()
    post_change(signed_in(editor()), page, overview=NEW)
    services.approve(page.revisions.get(status="pending"), reviewer(), "Clearer")
    assert "/treatments/dry-needling/updates/" in purge.public_page_paths()
    sitemap = StaffClient().get("/sitemap.xml").content.decode()
    assert "/treatments/dry-needling/updates/" in sitemap


def test_the_to_do_leaves_out_a_change_its_reviewer_saved_into(page):
    from clinical_review import todo

    author = reviewer(name="Dr A")
    author.groups.add(*editor().groups.all())
    post_change(signed_in(author), page, overview="A wrote this")
    post_change(signed_in(editor()), page, overview="A wrote this.")  # not last
    today = timezone.localdate()
    assert todo.for_user(author, today).waiting == []
    assert len(todo.for_user(reviewer(name="Dr B"), today).waiting) == 1


def test_confirming_a_page_unchanged_does_not_make_the_reviewer_an_author(page):
    checker = reviewer()
    services.approve_unchanged(page, checker)
    post_change(signed_in(editor()), page, overview=NEW)
    services.approve(page.revisions.get(status="pending"), checker)
    page.refresh_from_db()
    assert page.overview == NEW


def test_uploads_kept_across_a_form_error_are_purged_once_expired(settings, tmp_path):
    import os
    import time

    from treatments import images

    settings.MEDIA_ROOT = tmp_path / "media"
    kept = settings.MEDIA_ROOT / images.KEPT_DIR
    kept.mkdir(parents=True)
    old, fresh = kept / ("a" * 32 + ".jpg"), kept / ("b" * 32 + ".png")
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    day_and_a_bit = images.KEPT_MAX_AGE + 60
    os.utime(old, (time.time() - day_and_a_bit, time.time() - day_and_a_bit))
    call_command("purge_unused_images", verbosity=0)
    assert not old.exists()
    assert fresh.exists()
