"""Editing treatments and clinic details in Django admin."""

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import ClinicDetails
from clinical_review.models import Revision
from enquiries.models import Enquiry
from tests.factories import (
    ClinicDetailsFactory,
    EnquiryFactory,
    StaffFactory,
    TreatmentFactory,
    TreatmentPointFactory,
    make_treatment_with_points,
)
from tests.helpers import (
    TREATMENT_CHANGELIST,
    admin_change_url,
    field_errors,
    form_data,
    inline_prefix,
    post_change,
    soup,
)
from treatments.models import Section, Treatment

pytestmark = pytest.mark.django_db


def draft(**kwargs):
    """A draft treatment: admin saves it at once, so a test of the form's own
    rules sees their effect (a published page's changes wait for approval)."""
    return TreatmentFactory(status=Treatment.Status.DRAFT, **kwargs)


# The change form ---------------------------------------------------------------


def test_change_form_has_one_labelled_inline_per_section_in_page_order(admin_client):
    treatment = make_treatment_with_points(1)
    page = soup(admin_client.get(admin_change_url(treatment)))
    headings = [
        group.find("h2").text.strip() for group in page.select("div.inline-group")
    ]
    assert headings == [
        *(section.label for section in Section),
        "Questions patients ask",
        "Sources",
    ]


def test_each_inline_holds_only_its_own_sections_points(admin_client):
    treatment = TreatmentFactory()
    TreatmentPointFactory(treatment=treatment, section=Section.AFTERCARE, text="Rest")
    data = form_data(admin_client.get(admin_change_url(treatment)), "treatment_form")
    aftercare = inline_prefix(Section.AFTERCARE)
    assert data[f"{aftercare}-TOTAL_FORMS"] == "1"
    assert data[f"{aftercare}-0-text"] == "Rest"
    assert data[f"{inline_prefix(Section.BENEFITS)}-TOTAL_FORMS"] == "0"


def test_fieldsets_follow_the_page(admin_client):
    treatment = TreatmentFactory()
    page = soup(admin_client.get(admin_change_url(treatment)))
    legends = [h.text.strip() for h in page.select("fieldset.module h2")][:7]
    assert legends == [
        "Top of the page",
        "At a glance and practical details",
        "Page text",
        "Evidence",
        "Related treatments",
        "Publishing",
        "Clinical review",
    ]


def test_slug_is_prepopulated_from_the_name(admin_client):
    page = soup(admin_client.get(f"{TREATMENT_CHANGELIST}add/"))
    script = page.find(id="django-admin-prepopulated-fields-constants")
    fields = json.loads(script["data-prepopulated-fields"])
    assert {"id": "#id_slug", "dependency_ids": ["#id_name"]}.items() <= fields[
        0
    ].items()


def test_editing_a_point_saves_it(admin_client):
    treatment = draft()
    point = TreatmentPointFactory(treatment=treatment, section=Section.BENEFITS)
    prefix = inline_prefix(Section.BENEFITS)
    response = post_change(admin_client, treatment, **{f"{prefix}-0-text": "Changed"})
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.text == "Changed"
    assert point.section == Section.BENEFITS


def test_swapping_two_points_orders_saves_without_collision(admin_client):
    treatment = draft()
    first = TreatmentPointFactory(treatment=treatment, order=1, text="first")
    second = TreatmentPointFactory(treatment=treatment, order=2, text="second")
    prefix = inline_prefix(Section.BENEFITS)
    response = post_change(
        admin_client, treatment, **{f"{prefix}-0-order": "2", f"{prefix}-1-order": "1"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order, second.order) == (2, 1)


def test_duplicate_point_order_is_a_form_error_not_a_500(admin_client):
    treatment = draft()
    TreatmentPointFactory(treatment=treatment, order=1)
    TreatmentPointFactory(treatment=treatment, order=2)
    prefix = inline_prefix(Section.BENEFITS)
    response = post_change(admin_client, treatment, **{f"{prefix}-1-order": "1"})
    assert response.status_code == 200
    assert "already has order 1" in response.content.decode()
    assert sorted(treatment.points.values_list("order", flat=True)) == [1, 2]


def test_a_new_point_without_an_order_goes_last_in_its_section(admin_client):
    treatment = draft()
    TreatmentPointFactory(treatment=treatment, section=Section.PROCEDURE, order=4)
    # The same order in another section is no collision.
    TreatmentPointFactory(treatment=treatment, section=Section.BENEFITS, order=5)
    prefix = inline_prefix(Section.PROCEDURE)
    response = post_change(
        admin_client,
        treatment,
        **{
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-1-text": "Lie still",
            f"{prefix}-1-order": "",
            f"{prefix}-1-treatment": str(treatment.pk),
        },
    )
    assert response.status_code == 302
    added = treatment.points.get(text="Lie still")
    assert (added.section, added.order) == (Section.PROCEDURE, 5)


def test_deleting_a_point_frees_its_order_for_another(admin_client):
    treatment = draft()
    TreatmentPointFactory(treatment=treatment, order=1, text="old")
    TreatmentPointFactory(treatment=treatment, order=2, text="moves up")
    prefix = inline_prefix(Section.BENEFITS)
    response = post_change(
        admin_client,
        treatment,
        **{f"{prefix}-0-DELETE": "on", f"{prefix}-1-order": "1"},
    )
    assert response.status_code == 302
    assert list(treatment.points.values_list("text", "order")) == [("moves up", 1)]


def test_duplicate_slug_is_a_form_error_not_a_500(admin_client):
    TreatmentFactory(slug="dry-needling", name="Dry needling")
    other = draft(slug="acupuncture")
    response = post_change(admin_client, other, slug="dry-needling")
    assert response.status_code == 200
    assert field_errors(response, "slug") == [
        "Treatment with this Slug already exists."
    ]
    other.refresh_from_db()
    assert other.slug == "acupuncture"


def test_malformed_slug_is_refused(admin_client):
    treatment = draft()
    response = post_change(admin_client, treatment, slug="Dry needling!")
    assert response.status_code == 200
    assert field_errors(response, "slug")


def test_summary_longer_than_a_meta_description_is_refused(admin_client):
    treatment = draft()
    response = post_change(admin_client, treatment, summary="x" * 161)
    assert response.status_code == 200
    assert field_errors(response, "summary") == [
        "Ensure this value has at most 160 characters (it has 161)."
    ]
    assert post_change(admin_client, treatment, summary="x" * 160).status_code == 302


# The list ------------------------------------------------------------------------


def test_list_shows_status_order_and_review_dates(admin_client):
    TreatmentFactory(name="Dry needling")
    page = soup(admin_client.get(TREATMENT_CHANGELIST))
    headers = page.select("#result_list thead th div.text")
    columns = [text for h in headers if (text := h.text.strip())]
    assert columns == [
        "Name",
        "Status",
        "Display order",
        "Last reviewed",
        "Next review due",
    ]


def test_list_searches_by_name(admin_client):
    TreatmentFactory(name="Dry needling")
    TreatmentFactory(name="Massage")
    page = soup(admin_client.get(TREATMENT_CHANGELIST, {"q": "needl"}))
    assert [a.text for a in page.select("#result_list tbody th a")] == ["Dry needling"]


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("overdue", ["Overdue"]),
        ("soon", ["Due today", "Due in 30 days"]),
        ("unset", ["No date"]),
    ],
)
def test_review_filter_buckets(admin_client, bucket, expected):
    today = timezone.localdate()
    days = datetime.timedelta
    for name, due in [
        ("Overdue", today - days(1)),
        ("Due today", today),
        ("Due in 30 days", today + days(30)),
        ("Due in 31 days", today + days(31)),
        ("No date", None),
    ]:
        TreatmentFactory(name=name, last_reviewed=None, next_review_due=due)
    page = soup(admin_client.get(TREATMENT_CHANGELIST, {"review": bucket}))
    names = sorted(a.text for a in page.select("#result_list tbody th a"))
    assert names == sorted(expected)


def test_publish_action_sends_each_draft_for_approval(admin_client):
    drafts = [draft() for _ in range(2)]
    saved = []

    def record(sender, instance, **kwargs):
        saved.append(instance.pk)

    post_save.connect(record, sender=Treatment)
    try:
        response = admin_client.post(
            TREATMENT_CHANGELIST,
            {"action": "publish", "_selected_action": [t.pk for t in drafts]},
        )
    finally:
        post_save.disconnect(record, sender=Treatment)
    assert response.status_code == 302
    # Nothing is published until a clinical reviewer approves it.
    assert saved == []
    assert set(Treatment.objects.values_list("status", flat=True)) == {"draft"}
    for treatment in drafts:
        (revision,) = Revision.objects.pending().filter(treatment=treatment)
        assert revision.document["fields"]["status"] == "published"


def test_unpublish_action_hides_treatments(admin_client, client):
    treatment = TreatmentFactory(slug="massage")
    admin_client.post(
        TREATMENT_CHANGELIST,
        {"action": "unpublish", "_selected_action": [treatment.pk]},
    )
    treatment.refresh_from_db()
    assert treatment.status == Treatment.Status.DRAFT
    assert client.get("/treatments/massage/").status_code == 404


def test_publishing_from_the_form_waits_for_approval(admin_client, client):
    treatment = draft(slug="massage")
    assert client.get("/treatments/massage/").status_code == 404
    response = post_change(admin_client, treatment, status="published")
    assert response.status_code == 302
    assert client.get("/treatments/massage/").status_code == 404
    treatment.refresh_from_db()
    assert treatment.status == Treatment.Status.DRAFT
    (revision,) = Revision.objects.pending().filter(treatment=treatment)
    assert revision.document["fields"]["status"] == "published"


def test_view_on_site_opens_a_draft_for_staff(admin_client):
    treatment = TreatmentFactory(slug="draft-one", status=Treatment.Status.DRAFT)
    content_type = ContentType.objects.get_for_model(Treatment)
    response = admin_client.get(
        f"/admin/r/{content_type.pk}/{treatment.pk}/", follow=True
    )
    assert response.redirect_chain[-1][0].endswith("/treatments/draft-one/")
    assert response.status_code == 200
    assert soup(response).select_one(".preview-banner") is not None


def test_deleting_a_treatment_in_admin_keeps_its_enquiries(admin_client):
    treatment = TreatmentFactory()
    enquiry = EnquiryFactory(treatment=treatment)
    response = admin_client.post(
        f"{TREATMENT_CHANGELIST}{treatment.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Treatment.objects.filter(pk=treatment.pk).exists()
    enquiry.refresh_from_db()
    assert enquiry.treatment is None
    assert Enquiry.objects.count() == 1


def test_change_form_queries_do_not_grow_with_points(admin_client):
    """Measured: the change form's query count is the same for 6 and 120 points."""
    counts = []
    for per_section in (1, 20):
        treatment = make_treatment_with_points(per_section)
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(admin_change_url(treatment)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# Clinic details: a single row ------------------------------------------------------


def test_clinic_details_list_goes_straight_to_the_row(admin_client):
    clinic = ClinicDetailsFactory()
    response = admin_client.get("/admin/clinic/clinicdetails/")
    assert response.status_code == 302
    assert response.url == f"/admin/clinic/clinicdetails/{clinic.pk}/change/"


def test_clinic_details_cannot_be_added_twice_or_deleted(admin_client):
    clinic = ClinicDetailsFactory()
    assert admin_client.get("/admin/clinic/clinicdetails/add/").status_code == 403
    url = f"/admin/clinic/clinicdetails/{clinic.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    page = soup(admin_client.get(f"/admin/clinic/clinicdetails/{clinic.pk}/change/"))
    assert page.select_one("a.deletelink") is None
    assert page.find("input", attrs={"name": "_addanother"}) is None
    assert ClinicDetails.objects.count() == 1


def test_clinic_details_list_offers_adding_the_first_row(admin_client):
    response = admin_client.get("/admin/clinic/clinicdetails/")
    assert response.status_code == 302
    assert response.url == "/admin/clinic/clinicdetails/add/"


def test_changelist_queries_do_not_grow_with_treatments(admin_client):
    counts = []
    for extra in (1, 30):
        for _ in range(extra):
            TreatmentFactory()
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(TREATMENT_CHANGELIST).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_delete_selected_deletes_each_treatment_through_delete(
    admin_client, monkeypatch
):
    treatments = [TreatmentFactory() for _ in range(2)]
    enquiry = EnquiryFactory(treatment=treatments[0])
    deleted = []
    original_delete = Treatment.delete

    def delete(self, *args, **kwargs):
        deleted.append(self.pk)
        return original_delete(self, *args, **kwargs)

    monkeypatch.setattr(Treatment, "delete", delete)
    response = admin_client.post(
        TREATMENT_CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [t.pk for t in treatments],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert sorted(deleted) == sorted(t.pk for t in treatments)
    assert not Treatment.objects.exists()
    enquiry.refresh_from_db()
    assert enquiry.treatment is None


def test_staff_without_clinic_permissions_cannot_add_clinic_details(client):
    client.force_login(StaffFactory(groups=["Enquiry handlers"]))
    assert client.get("/admin/clinic/clinicdetails/add/").status_code == 403
    assert client.get("/admin/clinic/clinicdetails/").status_code == 403


# Rules with plain-words errors on their fields ------------------------------------


def test_review_dates_cannot_be_typed_in(admin_client):
    """Only a clinical reviewer's approval sets them (clinical_review.services):
    the form shows them read-only, and posted values are ignored."""
    treatment = draft(last_reviewed=None, next_review_due=None)
    page = soup(admin_client.get(admin_change_url(treatment)))
    for name in ["last_reviewed", "next_review_due", "reviewed_by"]:
        assert page.select_one(f".field-{name} .readonly") is not None
        assert page.select(f"[name={name}]") == []
    response = post_change(
        admin_client,
        treatment,
        last_reviewed="2026-05-01",
        next_review_due="2027-05-01",
        reviewed_by="Anyone",
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert (treatment.last_reviewed, treatment.next_review_due) == (None, None)
    assert treatment.reviewed_by == ""


def test_a_treatment_is_not_offered_as_related_to_itself(admin_client):
    treatment = TreatmentFactory(name="Dry needling")
    other = TreatmentFactory(name="Acupuncture")
    page = soup(admin_client.get(admin_change_url(treatment)))
    offered = [o["value"] for o in page.select("input[name=related]")]
    assert str(other.pk) in offered
    assert str(treatment.pk) not in offered
    # A new treatment is offered every existing one.
    page = soup(admin_client.get(f"{TREATMENT_CHANGELIST}add/"))
    offered = [o["value"] for o in page.select("input[name=related]")]
    assert sorted(offered) == sorted([str(treatment.pk), str(other.pk)])


def test_relating_a_treatment_to_itself_is_refused(admin_client):
    treatment = draft(name="Dry needling")
    other = TreatmentFactory(name="Acupuncture")
    response = post_change(
        admin_client, treatment, related=[str(treatment.pk), str(other.pk)]
    )
    assert response.status_code == 200
    assert field_errors(response, "related") == [
        "A treatment cannot be related to itself. Choose other treatments."
    ]
    assert list(treatment.related.all()) == []
    response = post_change(admin_client, treatment, related=[str(other.pk)])
    assert response.status_code == 302
    assert list(treatment.related.all()) == [other]


NAME_TAKEN = (
    "Another treatment already has this name (capitals aside). Choose a different name."
)


@pytest.mark.parametrize("name", ["DRY NEEDLING", "dry Needling", "Dry needling"])
def test_a_name_differing_only_in_capitals_is_a_form_error(admin_client, name):
    TreatmentFactory(name="Dry needling", slug="dry-needling")
    other = draft(name="Acupuncture", slug="acupuncture")
    response = post_change(admin_client, other, name=name)
    assert response.status_code == 200
    assert field_errors(response, "name") == [NAME_TAKEN]
    other.refresh_from_db()
    assert other.name == "Acupuncture"


def test_adding_a_name_differing_only_in_capitals_is_a_form_error(admin_client):
    TreatmentFactory(name="Dry needling", slug="dry-needling")
    response = post_change(
        admin_client,
        f"{TREATMENT_CHANGELIST}add/",
        name="DRY NEEDLING",
        slug="dry-needling-2",
        summary="s",
        overview="o",
        how_it_works="h",
    )
    assert response.status_code == 200
    assert field_errors(response, "name") == [NAME_TAKEN]
    assert Treatment.objects.count() == 1


def test_changing_the_capitals_of_its_own_name_is_fine(admin_client):
    treatment = draft(name="Dry needling", slug="dry-needling")
    assert post_change(admin_client, treatment, name="Dry Needling").status_code == 302
    treatment.refresh_from_db()
    assert treatment.name == "Dry Needling"


def test_a_content_editors_change_to_a_live_bullet_waits_for_approval(client):
    """The flow a content editor follows (README, "Editing content in admin"):
    the public page keeps the approved wording until a reviewer approves."""
    editor = StaffFactory(groups=["Content editors"])
    client.force_login(editor)
    treatment = TreatmentFactory(slug="massage")
    point = TreatmentPointFactory(treatment=treatment, text="Old wording")
    assert client.get(TREATMENT_CHANGELIST).status_code == 200

    response = post_change(
        client,
        treatment,
        **{f"{inline_prefix(point.section)}-0-text": "New wording"},
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.text == "Old wording"
    page = Client().get("/treatments/massage/")
    assert page.status_code == 200
    assert "Old wording" in page.content.decode()
    assert "New wording" not in page.content.decode()
    (revision,) = Revision.objects.pending().filter(treatment=treatment)
    assert revision.created_by == editor
    assert "New wording" in json.dumps(revision.document)


@pytest.mark.parametrize(
    ("url", "action"),
    [
        (TREATMENT_CHANGELIST, "publish"),
        ("/admin/enquiries/enquiry/", "export_csv"),
        ("/admin/enquiries/enquiry/", "mark_closed"),
    ],
)
@pytest.mark.parametrize("selected", ["abc", "1\x00", "٣", "9" * 40])
def test_a_tampered_action_selection_changes_nothing(
    admin_client, url, action, selected
):
    draft = TreatmentFactory(status=Treatment.Status.DRAFT)
    enquiry = EnquiryFactory()
    response = admin_client.post(
        url, {"action": action, "_selected_action": [str(draft.pk), selected]}
    )
    assert response.status_code == 302
    page = admin_client.get(response["Location"])
    assert "nothing was changed" in page.content.decode()
    draft.refresh_from_db()
    enquiry.refresh_from_db()
    assert draft.status == Treatment.Status.DRAFT
    assert enquiry.status == Enquiry.Status.NEW
