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
from tests.helpers import form_data
from treatments.models import Treatment, TreatmentPoint

pytestmark = pytest.mark.django_db


def change(client, url, form_id, **changes):
    data = form_data(client.get(url), form_id)
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def treatment_url(treatment):
    return f"/admin/treatments/treatment/{treatment.pk}/change/"


def test_saving_a_treatment_records_a_version_with_the_user(admin_client, admin_user):
    treatment = TreatmentFactory(name="Dry needling")
    TreatmentPointFactory(treatment=treatment, text="Eases muscle pain")
    change(admin_client, treatment_url(treatment), "treatment_form", name="Needling")
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
    change(admin_client, treatment_url(treatment), "treatment_form", name="Needling")
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
    url = treatment_url(treatment)
    change(admin_client, url, "treatment_form", summary="First summary")
    first = Version.objects.get_for_object(treatment).get()
    change(
        admin_client,
        url,
        "treatment_form",
        summary="Second summary",
        **{"points-2-0-DELETE": "on"},
    )
    assert not TreatmentPoint.objects.filter(pk=point.pk).exists()

    restore_url = f"/admin/treatments/treatment/{treatment.pk}/history/{first.pk}/"
    change(admin_client, restore_url, "treatment_form")

    treatment.refresh_from_db()
    assert treatment.summary == "First summary"
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
    url = f"/admin/clinic/clinicdetails/{clinic.pk}/change/"
    change(admin_client, url, "clinicdetails_form", phone="01632 960999")
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
    url = f"/admin/enquiries/enquiry/{enquiry.pk}/change/"
    response = admin_client.post(url, {"status": "closed", "staff_notes": "Called"})
    assert response.status_code == 302
    assert Enquiry.objects.get(pk=enquiry.pk).status == "closed"
    assert Version.objects.count() == 0
    assert not Version.objects.filter(serialized_data__contains="Private").exists()


def test_restoring_after_a_reorder_swaps_the_points_back(admin_client):
    treatment = TreatmentFactory()
    first = TreatmentPointFactory(treatment=treatment, order=1, text="first")
    second = TreatmentPointFactory(treatment=treatment, order=2, text="second")
    url = treatment_url(treatment)
    change(admin_client, url, "treatment_form", summary="Before the swap")
    before = Version.objects.get_for_object(treatment).get()
    change(
        admin_client,
        url,
        "treatment_form",
        **{"points-2-0-order": "2", "points-2-1-order": "1"},
    )
    assert list(treatment.points.order_by("order").values_list("text", flat=True)) == [
        "second",
        "first",
    ]
    restore_url = f"/admin/treatments/treatment/{treatment.pk}/history/{before.pk}/"
    # Opening the old version to check it changes nothing yet...
    page = admin_client.get(restore_url)
    assert form_data(page, "treatment_form")["points-2-0-order"] == "1"
    assert treatment.points.get(text="first").order == 2
    # ...saving it restores it.
    change(admin_client, restore_url, "treatment_form")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order, second.order) == (1, 2)


def test_a_deleted_treatment_can_be_recovered_with_its_points(admin_client):
    treatment = TreatmentFactory(slug="massage")
    TreatmentPointFactory(treatment=treatment, text="Loosens tight muscles")
    change(admin_client, treatment_url(treatment), "treatment_form", name="Massage")
    version = Version.objects.get_for_object(treatment).get()
    pk = treatment.pk
    admin_client.post(f"/admin/treatments/treatment/{pk}/delete/", {"post": "yes"})
    assert not Treatment.objects.filter(pk=pk).exists()

    recover_url = f"/admin/treatments/treatment/recover/{version.pk}/"
    assert admin_client.get("/admin/treatments/treatment/recover/").status_code == 200
    change(admin_client, recover_url, "treatment_form")

    recovered = Treatment.objects.get(pk=pk)
    assert recovered.name == "Massage"
    assert list(recovered.points.values_list("text", flat=True)) == [
        "Loosens tight muscles"
    ]


def test_content_editors_can_restore(client):
    editor = StaffFactory(groups=["Content editors"])
    client.force_login(editor)
    treatment = TreatmentFactory(summary="Old summary")
    change(client, treatment_url(treatment), "treatment_form", summary="Old summary!")
    first = Version.objects.get_for_object(treatment).get()
    change(client, treatment_url(treatment), "treatment_form", summary="New summary")
    url = f"/admin/treatments/treatment/{treatment.pk}/history/{first.pk}/"
    change(client, url, "treatment_form")
    treatment.refresh_from_db()
    assert treatment.summary == "Old summary!"
    assert first.revision.user == editor
