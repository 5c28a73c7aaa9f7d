"""Model rules the database enforces, natural keys and the fixtures."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from clinic.models import ClinicDetails
from tests.factories import TreatmentFactory, TreatmentPointFactory
from treatments.layout import LAYOUT, page_sections
from treatments.models import Section, Treatment, TreatmentPoint

pytestmark = pytest.mark.django_db


def test_point_order_is_unique_within_a_section():
    point = TreatmentPointFactory(order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPointFactory(treatment=point.treatment, section=point.section, order=1)


def test_same_order_is_fine_in_another_section():
    point = TreatmentPointFactory(order=1, section=Section.BENEFITS)
    TreatmentPointFactory(treatment=point.treatment, section=Section.AFTERCARE, order=1)
    assert point.treatment.points.count() == 2


def test_database_rejects_an_unknown_section():
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPointFactory(section="gossip")


def test_database_rejects_an_unknown_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentFactory(status="archived")


def test_next_review_cannot_come_before_last_review():
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentFactory(
            last_reviewed=datetime.date(2026, 5, 1),
            next_review_due=datetime.date(2026, 4, 1),
        )


def test_the_review_dates_rule_has_a_plain_words_message():
    treatment = TreatmentFactory.build(
        last_reviewed=datetime.date(2026, 5, 1),
        next_review_due=datetime.date(2026, 4, 1),
    )
    with pytest.raises(ValidationError) as refused:
        treatment.validate_constraints()
    assert refused.value.messages == [
        "Next review due must be on or after the last review date."
    ]
    assert refused.value.error_dict["__all__"][0].code == "review_due_before_reviewed"


def test_names_are_unique_whatever_their_capitals():
    TreatmentFactory(slug="dry-needling", name="Dry needling")
    with pytest.raises(IntegrityError), transaction.atomic():
        Treatment.objects.create(slug="other", name="DRY NEEDLING", summary="s")
    duplicate = TreatmentFactory.build(slug="other", name="dry NEEDLING")
    with pytest.raises(ValidationError) as refused:
        duplicate.validate_constraints()
    assert refused.value.messages == [
        "Another treatment already has this name (capitals aside). "
        "Choose a different name."
    ]


def test_slug_is_unique():
    TreatmentFactory(slug="same", name="One")
    with pytest.raises(IntegrityError), transaction.atomic():
        Treatment.objects.create(slug="same", name="Two", summary="s")


def test_str_and_absolute_url():
    treatment = TreatmentFactory(name="Dry needling", slug="dry-needling")
    point = TreatmentPointFactory(treatment=treatment, text="A benefit")
    assert str(treatment) == "Dry needling"
    assert str(point) == "A benefit"
    assert treatment.get_absolute_url() == "/treatments/dry-needling/"


def test_natural_keys_round_trip():
    point = TreatmentPointFactory(order=7)
    assert Treatment.objects.get_by_natural_key(*point.treatment.natural_key()) == (
        point.treatment
    )
    assert TreatmentPoint.objects.get_by_natural_key(*point.natural_key()) == point


def test_clinic_details_is_a_single_row(clinic):
    other = ClinicDetails(name="Another", phone="1", email="a@b.example")
    other.save()
    assert ClinicDetails.objects.count() == 1
    assert ClinicDetails.load().name == "Another"


def test_clinic_details_load_is_none_before_the_fixture():
    assert ClinicDetails.load() is None


def test_loading_the_fixtures_twice_changes_nothing(seeded):
    def snapshot():
        return (
            list(Treatment.objects.values_list("pk", "slug", "summary")),
            list(TreatmentPoint.objects.values_list("pk", "section", "order", "text")),
            list(ClinicDetails.objects.values_list("pk", "name")),
        )

    before = snapshot()
    call_command("loaddata", "treatments", "clinic", verbosity=0)
    assert snapshot() == before
    assert TreatmentPoint.objects.count() == 25


def test_page_sections_split_procedure_and_aftercare(seeded):
    treatment = Treatment.objects.for_detail().get(slug="dry-needling")
    sections = {s.anchor: s for s in page_sections(treatment)}
    labels = [label for label, _ in sections["procedure-and-aftercare"].lists]
    assert labels == ["At your appointment", "Aftercare"]
    sizes = [len(points) for _, points in sections["procedure-and-aftercare"].lists]
    assert sizes == [3, 5]


def test_the_layout_shows_every_section_exactly_once():
    """A new section must be placed on the page, or its points never show."""
    placed = [section for block in LAYOUT for _, section in block.lists]
    assert sorted(placed) == sorted(Section.values)


def test_points_are_listed_in_page_order_without_joining_treatments():
    treatment = TreatmentFactory()
    for section in reversed(Section.values):
        TreatmentPointFactory(treatment=treatment, section=section, order=0)
    points = TreatmentPoint.objects.all()
    assert "JOIN" not in str(points.query)
    assert [point.section for point in points] == Section.values


def test_treatment_names_have_one_unique_rule_not_two():
    """The case-insensitive constraint alone: no second index on the column."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, Treatment._meta.db_table
        )
    assert [
        name
        for name, c in constraints.items()
        if c["unique"] and c["columns"] == ["name"]
    ] == []
    assert "treatment_name_unique_ci" in constraints
