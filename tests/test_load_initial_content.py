"""`make setup` loads the shipped content only into empty tables."""

import pytest
from django.core.management import call_command

from tests.factories import TreatmentFactory
from treatments.models import ClinicDetails, Treatment

pytestmark = pytest.mark.django_db


def test_loads_the_fixtures_into_an_empty_database():
    call_command("load_initial_content", verbosity=0)
    assert Treatment.objects.filter(slug="dry-needling").exists()
    assert ClinicDetails.load() is not None


def test_never_overwrites_staff_edits():
    call_command("load_initial_content", verbosity=0)
    Treatment.objects.filter(slug="dry-needling").update(summary="Edited by staff")
    clinic = ClinicDetails.load()
    clinic.phone = "01632 960555"
    clinic.save()
    call_command("load_initial_content", verbosity=0)
    assert Treatment.objects.get(slug="dry-needling").summary == "Edited by staff"
    assert ClinicDetails.load().phone == "01632 960555"


def test_each_table_is_checked_on_its_own(capsys):
    TreatmentFactory(slug="own-content")
    call_command("load_initial_content")
    out = capsys.readouterr().out
    assert "treatments: treatments already exist; not loaded." in out
    assert "clinic: loaded 1 clinic details." in out
    assert not Treatment.objects.filter(slug="dry-needling").exists()
    assert ClinicDetails.load() is not None
