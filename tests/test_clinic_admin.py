"""Clinic details in admin: the enquiry notification address needs its own
permission; content editors see it read-only, in the form and in history."""

import pytest
from django.contrib.auth.models import Permission
from reversion.models import Version

from clinic.models import ClinicDetails
from tests.factories import ClinicDetailsFactory, StaffFactory
from tests.helpers import admin_change_url, post_change, soup

pytestmark = pytest.mark.django_db

OLD = "staff@test.example"  # ClinicDetailsFactory's address
NEW = "elsewhere@test.example"


def editor(*, may_change_address=False):
    user = StaffFactory(groups=["Content editors"])
    if may_change_address:
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="clinic",
                codename="change_notification_email",
            )
        )
    return user


def address():
    return ClinicDetails.load().enquiry_notification_email


def test_content_editors_see_the_notification_address_read_only(client, clinic):
    client.force_login(editor())
    page = soup(client.get(admin_change_url(clinic)))
    assert page.find(attrs={"name": "enquiry_notification_email"}) is None
    row = page.select_one(".field-enquiry_notification_email")
    assert OLD in row.select_one(".readonly").text
    # The rest of the form is still theirs to change.
    assert page.find("input", attrs={"name": "phone"}) is not None


def test_a_content_editor_posting_a_new_address_does_not_change_it(client, clinic):
    client.force_login(editor())
    response = post_change(
        client, clinic, enquiry_notification_email=NEW, phone="01632 960222"
    )
    assert response.status_code == 302
    assert address() == OLD
    assert ClinicDetails.load().phone == "01632 960222"


def test_staff_with_the_permission_can_change_the_address(client, clinic):
    client.force_login(editor(may_change_address=True))
    response = post_change(client, clinic, enquiry_notification_email=NEW)
    assert response.status_code == 302
    assert address() == NEW


def test_superusers_can_change_the_address(admin_client, clinic):
    response = post_change(admin_client, clinic, enquiry_notification_email=NEW)
    assert response.status_code == 302
    assert address() == NEW


@pytest.fixture
def versions(admin_client):
    """History with the old address, then with a new one (the one in use)."""
    clinic = ClinicDetailsFactory()
    post_change(admin_client, clinic, phone="01632 960333")
    post_change(admin_client, clinic, enquiry_notification_email=NEW)
    with_old, with_new = Version.objects.get_for_object(clinic).order_by("pk")
    assert (with_old.field_dict["enquiry_notification_email"], address()) == (OLD, NEW)
    return clinic, with_old, with_new


def revision_url(clinic, version):
    return f"/admin/clinic/clinicdetails/{clinic.pk}/history/{version.pk}/"


def test_content_editors_cannot_restore_another_address_from_history(client, versions):
    clinic, with_old, _ = versions
    client.force_login(editor())
    url = revision_url(clinic, with_old)
    for response in (client.get(url), client.post(url, {"phone": "01632 960333"})):
        assert response.status_code == 302
        assert response.url == f"/admin/clinic/clinicdetails/{clinic.pk}/history/"
    assert address() == NEW
    messages = [m.message for m in client.get(response.url).context["messages"]]
    assert any("another address" in m for m in messages)


def test_content_editors_can_restore_a_version_with_the_address_in_use(
    client, versions
):
    clinic, _, with_new = versions
    ClinicDetails.objects.filter(pk=clinic.pk).update(phone="01632 960444")
    client.force_login(editor())
    assert post_change(client, revision_url(clinic, with_new)).status_code == 302
    assert ClinicDetails.load().phone == "01632 960333"
    assert address() == NEW


def test_staff_with_the_permission_can_restore_another_address(client, versions):
    clinic, with_old, _ = versions
    client.force_login(editor(may_change_address=True))
    assert post_change(client, revision_url(clinic, with_old)).status_code == 302
    assert address() == OLD


def test_history_is_refused_to_staff_without_access(client, versions):
    clinic, with_old, _ = versions
    client.force_login(StaffFactory(groups=["Enquiry handlers"]))
    assert client.get(revision_url(clinic, with_old)).status_code == 403
    assert address() == NEW
