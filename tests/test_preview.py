"""Drafts: 404 to the public, a never-cached preview for signed-in staff."""

import pytest
from django.contrib.auth.models import User

from tests.factories import StaffFactory, TreatmentFactory, UserFactory
from tests.helpers import soup
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

URL = "/treatments/draft-page/"


@pytest.fixture
def draft(clinic):
    return TreatmentFactory(slug="draft-page", status=Treatment.Status.DRAFT)


def test_a_draft_is_404_to_the_public(client, draft):
    assert client.get(URL).status_code == 404


def test_staff_see_a_draft_with_a_preview_banner(client, draft):
    client.force_login(StaffFactory())
    response = client.get(URL)
    assert response.status_code == 200
    banner = soup(response).select_one(".preview-banner[role=status]")
    assert "Draft preview" in banner.text
    assert soup(response).find("meta", attrs={"name": "robots"})["content"] == (
        "noindex"
    )


def test_a_draft_preview_is_never_cached(client, draft):
    client.force_login(StaffFactory())
    cache_control = client.get(URL)["Cache-Control"]
    for directive in ("private", "no-cache", "no-store", "max-age=0"):
        assert directive in cache_control


def test_signed_in_non_staff_get_404(client, draft):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404


def test_inactive_staff_get_404(client, draft):
    user = StaffFactory()
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(URL).status_code == 404


def test_published_pages_have_no_banner_for_staff(client, clinic):
    TreatmentFactory(slug="live-page")
    client.force_login(StaffFactory())
    response = client.get("/treatments/live-page/")
    assert response.status_code == 200
    assert soup(response).select_one(".preview-banner") is None
