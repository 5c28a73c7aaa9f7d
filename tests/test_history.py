"""History (django-reversion): who changed what and when, and restore."""

import pytest
import reversion
from reversion.models import Version

from clinic.models import ClinicDetails
from enquiries import services
from enquiries.models import Enquiry
from tests.factories import (
    ClinicDetailsFactory,
    EnquiryFactory,
    StaffFactory,
    TreatmentFactory,
    TreatmentPointFactory,
)
from tests.helpers import form_data, inline_prefix, post_change
from treatments.models import Treatment, TreatmentPoint

pytestmark = pytest.mark.django_db


def test_saving_a_treatment_records_a_version_with_the_user(admin_client, admin_user):
    treatment = TreatmentFactory(name="Dry needling")
    TreatmentPointFactory(treatment=treatment, text="Eases muscle pain")
    assert post_change(admin_client, treatment, name="Needling").status_code == 302
    versions = Version.objects.get_for_object(treatment)
    assert versions.count() == 1
    revision = versions[0].revision
    assert revision.user == admin_user
    assert versions[0].field_dict["name"] == "Needling"
    # The treatment's version carries its points.
    point_versions = revision.version_set.filter(content_type__model="treatmentpoint")
    assert [v.field_dict["text"] for v in point_versions] == ["Eases muscle pain"]


def test_history_is_browsable_from_the_object(admin_client):
    treatment = TreatmentFactory(name="Dry needling")
    assert post_change(admin_client, treatment, name="Needling").status_code == 302
    history = admin_client.get(f"/admin/treatments/treatment/{treatment.pk}/history/")
    assert history.status_code == 200
    version = Version.objects.get_for_object(treatment).get()
    assert (
        f"/admin/treatments/treatment/{treatment.pk}/history/{version.pk}/"
        in history.content.decode()
    )


def test_restoring_an_earlier_version_brings_back_text_and_points(admin_client):
    treatment = TreatmentFactory(name="Dry needling")
    point = TreatmentPointFactory(treatment=treatment, text="Original point")
    assert post_change(admin_client, treatment, summary="First").status_code == 302
    first = Version.objects.get_for_object(treatment).get()
    prefix = inline_prefix(point.section)
    response = post_change(
        admin_client, treatment, summary="Second", **{f"{prefix}-0-DELETE": "on"}
    )
    assert response.status_code == 302
    assert not TreatmentPoint.objects.filter(pk=point.pk).exists()

    restore_url = f"/admin/treatments/treatment/{treatment.pk}/history/{first.pk}/"
    assert post_change(admin_client, restore_url).status_code == 302

    treatment.refresh_from_db()
    assert treatment.summary == "First"
    assert list(treatment.points.values_list("text", flat=True)) == ["Original point"]


def test_publish_action_records_a_version_with_the_user(admin_client, admin_user):
    treatment = TreatmentFactory(status=Treatment.Status.DRAFT)
    admin_client.post(
        "/admin/treatments/treatment/",
        {"action": "publish", "_selected_action": [treatment.pk]},
    )
    version = Version.objects.get_for_object(treatment).get()
    assert version.revision.user == admin_user
    assert version.field_dict["status"] == "published"


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
    before = Version.objects.get_for_object(treatment).get()
    prefix = inline_prefix(first.section)
    response = post_change(
        admin_client, treatment, **{f"{prefix}-0-order": "2", f"{prefix}-1-order": "1"}
    )
    assert response.status_code == 302
    assert list(treatment.points.order_by("order").values_list("text", flat=True)) == [
        "second",
        "first",
    ]
    restore_url = f"/admin/treatments/treatment/{treatment.pk}/history/{before.pk}/"
    # Opening the old version to check it changes nothing yet...
    page = admin_client.get(restore_url)
    assert form_data(page, "treatment_form")[f"{prefix}-0-order"] == "1"
    assert treatment.points.get(text="first").order == 2
    # ...saving it restores it.
    assert post_change(admin_client, restore_url).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order, second.order) == (1, 2)


def test_a_deleted_treatment_can_be_recovered_with_its_points(admin_client):
    treatment = TreatmentFactory(slug="massage")
    TreatmentPointFactory(treatment=treatment, text="Loosens tight muscles")
    assert post_change(admin_client, treatment, name="Massage").status_code == 302
    version = Version.objects.get_for_object(treatment).get()
    pk = treatment.pk
    admin_client.post(f"/admin/treatments/treatment/{pk}/delete/", {"post": "yes"})
    assert not Treatment.objects.filter(pk=pk).exists()

    recover_url = f"/admin/treatments/treatment/recover/{version.pk}/"
    assert admin_client.get("/admin/treatments/treatment/recover/").status_code == 200
    assert post_change(admin_client, recover_url).status_code == 302

    recovered = Treatment.objects.get(pk=pk)
    assert recovered.name == "Massage"
    assert list(recovered.points.values_list("text", flat=True)) == [
        "Loosens tight muscles"
    ]


def test_content_editors_can_restore(client):
    editor = StaffFactory(groups=["Content editors"])
    client.force_login(editor)
    treatment = TreatmentFactory(summary="Old summary")
    assert post_change(client, treatment, summary="Old summary!").status_code == 302
    first = Version.objects.get_for_object(treatment).get()
    assert post_change(client, treatment, summary="New summary").status_code == 302
    restore_url = f"/admin/treatments/treatment/{treatment.pk}/history/{first.pk}/"
    assert post_change(client, restore_url).status_code == 302
    treatment.refresh_from_db()
    assert treatment.summary == "Old summary!"
    assert first.revision.user == editor


def saved_version(admin_client, treatment):
    post_change(admin_client, treatment, summary="Edited once.")
    return Version.objects.get_for_object(treatment).first()


@pytest.mark.parametrize("path", ["abc/history/{v}/", "{t}/history/999999/"])
def test_a_malformed_or_unknown_history_address_is_a_404(admin_client, path):
    treatment = TreatmentFactory()
    version = saved_version(admin_client, treatment)
    url = "/admin/treatments/treatment/" + path.format(t=treatment.pk, v=version.pk)
    assert admin_client.get(url).status_code == 404


def test_history_of_a_treatment_is_refused_to_staff_without_access(
    client, admin_client
):
    """An enquiry handler opening a treatment's old version is refused before
    anything is touched: the points keep their orders."""
    treatment = TreatmentFactory()
    point = TreatmentPointFactory(treatment=treatment, order=3)
    version = saved_version(admin_client, treatment)
    client.force_login(StaffFactory(groups=["Enquiry handlers"]))
    url = f"/admin/treatments/treatment/{treatment.pk}/history/{version.pk}/"
    assert client.get(url).status_code == 403
    point.refresh_from_db()
    assert point.order == 3
