"""`make setup` loads the shipped content only into empty tables."""

import pytest
from django.core.management import call_command
from reversion.models import Version

from clinic.models import ClinicDetails
from tests.factories import TreatmentFactory
from treatments.models import Treatment, TreatmentPoint

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


def test_the_shipped_content_is_the_first_version_in_history():
    """So the clinically reviewed text can be restored after staff edit it."""
    call_command("load_initial_content", verbosity=0)
    treatments = list(Treatment.objects.all())
    assert treatments
    for obj in [*treatments, ClinicDetails.load()]:
        version = Version.objects.get_for_object(obj).get()
        assert version.revision.comment == "Content as shipped in fixtures/"
        assert version.revision.user is None
    # A treatment's version holds its points, so a restore brings them back.
    treatment = Treatment.objects.get(slug="dry-needling")
    revision = Version.objects.get_for_object(treatment).get().revision
    points = revision.version_set.get_for_model(TreatmentPoint)
    assert points.count() == treatment.points.count() > 0


def test_running_again_adds_no_versions():
    call_command("load_initial_content", verbosity=0)
    count = Version.objects.count()
    call_command("load_initial_content", verbosity=0)
    assert Version.objects.count() == count
    for obj in [*Treatment.objects.all(), ClinicDetails.load()]:
        assert Version.objects.get_for_object(obj).count() == 1


def test_only_what_was_just_loaded_gets_a_first_version():
    own = TreatmentFactory(slug="own-content")
    call_command("load_initial_content", verbosity=0)
    assert not Version.objects.get_for_object(own).exists()
    assert Version.objects.get_for_model(Treatment).count() == 0
    assert Version.objects.get_for_object(ClinicDetails.load()).count() == 1
