"""History: who changed what and when, and restore.

Treatments keep their history as clinical sign-off revisions
(clinical_review; a restore is a new change that waits for approval); clinic
details keep theirs in django-reversion. Enquiries are never copied into
either.
"""

import pytest
import reversion
from django.urls import reverse
from reversion.models import Version

from clinic.models import ClinicDetails
from clinical_review.models import Revision
from enquiries import services
from enquiries.models import Enquiry
from tests.factories import (
    ClinicDetailsFactory,
    EnquiryFactory,
    StaffFactory,
    TreatmentFactory,
    TreatmentPointFactory,
)
from tests.helpers import approve_waiting, inline_prefix, post_change, soup
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


def test_saving_a_treatment_records_a_revision_with_the_user(admin_client, admin_user):
    treatment = TreatmentFactory(name="Dry needling", status=Treatment.Status.DRAFT)
    TreatmentPointFactory(treatment=treatment, text="Eases muscle pain")
    assert post_change(admin_client, treatment, name="Needling").status_code == 302
    revision = Revision.objects.get(treatment=treatment)
    assert revision.created_by == admin_user
    assert revision.document["fields"]["name"] == "Needling"
    # The treatment's revision carries its points.
    assert [row["text"] for row in revision.document["points"]] == ["Eases muscle pain"]
    assert not Version.objects.get_for_object(treatment).exists()


def test_history_is_browsable_from_the_object(admin_client):
    treatment = TreatmentFactory(name="Dry needling")
    assert post_change(admin_client, treatment, name="Needling").status_code == 302
    history = admin_client.get(f"/admin/treatments/treatment/{treatment.pk}/history/")
    assert history.status_code == 200
    rows = soup(history).select("tbody tr")
    assert "Waiting for approval" in rows[1].get_text()


def test_clinic_details_changes_are_recorded(admin_client, admin_user):
    clinic = ClinicDetailsFactory()
    response = post_change(admin_client, clinic, phone="01632 960999")
    assert response.status_code == 302
    version = Version.objects.get_for_object(clinic).get()
    assert version.revision.user == admin_user
    assert version.field_dict["phone"] == "01632 960999"
    assert ClinicDetails.objects.get().phone == "01632 960999"


def test_enquiries_are_never_copied_into_history(admin_client, clinic):
    """Patients' messages must not end up in reversion's tables."""
    assert not reversion.is_registered(Enquiry)
    with reversion.create_revision():
        enquiry = services.enquiry_create(
            name="Pat",
            email="pat@example.com",
            message="Private health details",
            client="k",
        )
    EnquiryFactory()
    response = post_change(
        admin_client, enquiry, status="closed", **{"notes-0-text": "Called"}
    )
    assert response.status_code == 302
    assert Enquiry.objects.get(pk=enquiry.pk).status == "closed"
    assert Version.objects.count() == 0
    assert not Version.objects.filter(serialized_data__contains="Private").exists()


def test_restoring_after_a_reorder_swaps_the_points_back(admin_client):
    treatment = TreatmentFactory()
    first = TreatmentPointFactory(treatment=treatment, order=1, text="first")
    second = TreatmentPointFactory(treatment=treatment, order=2, text="second")
    assert post_change(admin_client, treatment, summary="Before").status_code == 302
    before = approve_waiting(treatment)
    prefix = inline_prefix(first.section)
    response = post_change(
        admin_client, treatment, **{f"{prefix}-0-order": "2", f"{prefix}-1-order": "1"}
    )
    assert response.status_code == 302
    approve_waiting(treatment)
    assert list(treatment.points.order_by("order").values_list("text", flat=True)) == [
        "second",
        "first",
    ]
    restore = reverse("admin:clinical_review_revision_restore", args=[before.pk])
    assert admin_client.post(restore).status_code == 302
    # Restored as a change waiting for approval: the page is as it was...
    assert treatment.points.get(text="first").order == 2
    approve_waiting(treatment)
    # ...until it is approved.
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order, second.order) == (1, 2)


def test_restoring_a_drafts_earlier_version_needs_no_approval(client):
    editor = StaffFactory(groups=["Content editors"])
    client.force_login(editor)
    treatment = TreatmentFactory(summary="Old summary", status=Treatment.Status.DRAFT)
    assert post_change(client, treatment, summary="Old summary!").status_code == 302
    first = Revision.objects.get(treatment=treatment)
    assert post_change(client, treatment, summary="New summary").status_code == 302
    restore = reverse("admin:clinical_review_revision_restore", args=[first.pk])
    assert client.post(restore).status_code == 302
    treatment.refresh_from_db()
    assert treatment.summary == "Old summary!"
    assert treatment.revisions.first().created_by == editor


def test_history_of_a_treatment_is_refused_to_staff_without_access(client):
    treatment = TreatmentFactory()
    client.force_login(StaffFactory(groups=["Enquiry handlers"]))
    url = f"/admin/treatments/treatment/{treatment.pk}/history/"
    assert client.get(url).status_code == 403
    compare = reverse("admin:clinical_review_revision_compare")
    assert client.get(compare, {"treatment": treatment.pk}).status_code == 403


@pytest.mark.parametrize("pk", ["999999", "abc", "1%00"])
def test_a_history_address_for_no_treatment_is_a_404(admin_client, pk):
    url = f"/admin/treatments/treatment/{pk}/history/"
    assert admin_client.get(url).status_code == 404
