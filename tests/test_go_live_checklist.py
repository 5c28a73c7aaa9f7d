"""The go-live checklist on the admin index."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic.models import ClinicDetails
from tests.factories import PractitionerFactory, StaffFactory, TreatmentFactory
from tests.helpers import admin_change_url, soup

pytestmark = pytest.mark.django_db


def checklist(client):
    response = client.get("/admin/")
    assert response.status_code == 200
    box = soup(response).find(id="go-live-checklist")
    if box is None:
        return None
    return {a.get_text(): a["href"] for a in box.find_all("a")}


def test_fresh_install_flags_every_shipped_example(admin_client):
    call_command("load_initial_content", verbosity=0)
    items = checklist(admin_client)
    clinic = ClinicDetails.load()
    texts = list(items)
    assert any(
        t.startswith("Clinic details still show the shipped example") for t in texts
    )
    assert "Dry needling: never clinically reviewed." in items
    assert "Dry needling: practical details still the shipped examples." in items
    assert "Alex Example: the shipped example practitioner." in items
    assert "Alex Example: register check never recorded." in items
    assert items[texts[0]] == admin_change_url(clinic)


def test_flags_overdue_reviews_old_register_checks_and_missing_details(
    admin_client, clinic
):
    today = timezone.localdate()
    overdue = TreatmentFactory(
        name="Old",
        reviewed_by="Dr A. Example",
        last_reviewed=today - datetime.timedelta(days=400),
        next_review_due=today - datetime.timedelta(days=1),
    )
    old = PractitionerFactory(
        name="Sam Example", register_checked_on=today - datetime.timedelta(days=400)
    )
    PractitionerFactory(name="Recent Example", register_checked_on=today)
    items = checklist(admin_client)
    assert items["Old: clinical review overdue."] == admin_change_url(overdue)
    assert "Old: no practical details (length, price …)." in items
    assert items["Sam Example: register last checked over 12 months ago."] == (
        admin_change_url(old)
    )
    assert not any(t.startswith("Recent Example") for t in items)


def test_no_notification_address_is_flagged(admin_client, clinic):
    ClinicDetails.objects.update(enquiry_notification_email="")
    assert "No address is set for enquiry notifications." in checklist(admin_client)


def test_content_editors_see_it_and_enquiry_handlers_do_not(client, clinic):
    editor = StaffFactory(groups=["Content editors"])
    client.force_login(editor)
    assert checklist(client) is not None
    handler = StaffFactory(groups=["Enquiry handlers"])
    client.force_login(handler)
    assert checklist(client) is None
