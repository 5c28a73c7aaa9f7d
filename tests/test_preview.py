"""Drafts: 404 to the public, a never-cached preview for signed-in staff who
may view treatments (content editors), 404 to enquiry handlers."""

import pytest
from django.contrib.auth.models import User

from tests.factories import StaffFactory, TreatmentFactory, UserFactory
from tests.helpers import soup
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

URL = "/treatments/draft-page/"


def editor():
    return StaffFactory(groups=["Content editors"])


@pytest.fixture
def draft(clinic):
    return TreatmentFactory(slug="draft-page", status=Treatment.Status.DRAFT)


def test_a_draft_is_404_to_the_public(client, draft):
    assert client.get(URL).status_code == 404


def test_content_editors_see_a_draft_with_a_preview_banner(client, draft):
    client.force_login(editor())
    response = client.get(URL)
    assert response.status_code == 200
    banner = soup(response).select_one(".preview-banner[role=status]")
    assert "Draft preview" in banner.text
    assert soup(response).find("meta", attrs={"name": "robots"})["content"] == (
        "noindex"
    )


def test_enquiry_handlers_get_404_for_a_draft(client, draft):
    """Staff who may not view treatments in admin do not see drafts either."""
    client.force_login(StaffFactory(groups=["Enquiry handlers"]))
    assert client.get(URL).status_code == 404


def test_staff_in_no_group_get_404_for_a_draft(client, draft):
    client.force_login(StaffFactory())
    assert client.get(URL).status_code == 404


def test_superusers_see_a_draft(admin_client, draft):
    assert admin_client.get(URL).status_code == 200


def test_a_draft_preview_is_never_cached(client, draft):
    client.force_login(editor())
    cache_control = client.get(URL)["Cache-Control"]
    for directive in ("private", "no-cache", "no-store", "max-age=0"):
        assert directive in cache_control


def test_signed_in_non_staff_get_404(client, draft):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404


def test_inactive_staff_get_404(client, draft):
    user = editor()
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(URL).status_code == 404


def test_published_pages_have_no_banner_for_staff(client, clinic):
    TreatmentFactory(slug="live-page")
    client.force_login(editor())
    response = client.get("/treatments/live-page/")
    assert response.status_code == 200
    assert soup(response).select_one(".preview-banner") is None
