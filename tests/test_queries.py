"""Public pages run a constant number of SQL queries, whatever the content size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conditions.models import Condition
from tests.factories import (
    PractitionerFactory,
    TreatmentFactory,
    make_treatment_with_points,
)
from treatments.models import Section, Treatment, TreatmentQuestion, TreatmentSource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_time(settings):
    """These count the queries of a render: the page cache (which would answer
    the second request with none; see test_page_cache.py) is off here."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("per_section", "practitioners", "questions"), [(3, 1, 0), (60, 20, 30)]
)
def test_treatment_page_queries_are_constant(
    client, clinic, per_section, practitioners, questions
):
    treatment = make_treatment_with_points(per_section, slug="big")
    for i in range(per_section // 3):
        treatment.related.add(TreatmentFactory(slug=f"rel-{per_section}-{i}"))
    for _ in range(practitioners):
        PractitionerFactory(treatments=[treatment])
    TreatmentQuestion.objects.bulk_create(
        TreatmentQuestion(treatment=treatment, question=f"Q{i}?", answer="A", order=i)
        for i in range(questions)
    )
    TreatmentSource.objects.bulk_create(
        TreatmentSource(treatment=treatment, title=f"S{i}", url="https://e.org/")
        for i in range(questions)
    )
    # treatment, its points, the conditions its points link to, its related
    # treatments, its practitioners, questions and sources, the clinic details
    with_max = 8
    assert count_queries(client, "/treatments/big/") <= with_max
    assert count_queries(client, "/treatments/big/") == with_max


@pytest.mark.parametrize("url", ["/", "/treatments/"])
@pytest.mark.parametrize("treatments", [1, 50])
def test_listing_pages_queries_are_constant(client, clinic, url, treatments):
    for _ in range(treatments):
        make_treatment_with_points(2)
    # the published treatments, the clinic details
    assert count_queries(client, url) == 2


def make_conditions(count):
    """`count` published conditions, each linked to a treatment with points,
    and one of those points."""
    treatments = Treatment.objects.bulk_create(
        Treatment(
            name=f"Treatment {i}",
            slug=f"treatment-{i}",
            summary=f"Helps with condition {i}.",
            overview="Overview.",
            how_it_works="How it works.",
            status=Treatment.Status.PUBLISHED,
        )
        for i in range(count)
    )
    for treatment in treatments:
        make_points = treatment.points.model.objects.bulk_create
        make_points(
            treatment.points.model(
                treatment=treatment, section=Section.INDICATIONS, text=t, order=i
            )
            for i, t in enumerate(["Tendon pain", "Muscle knots"])
        )
    conditions = Condition.objects.bulk_create(
        Condition(
            name=f"Condition {i}",
            slug=f"condition-{i}",
            medical_term=f"Tendinopathy {i}",
            other_names="Tendonitis",
            summary="Tendon pain.",
            status=Condition.Status.PUBLISHED,
        )
        for i in range(count)
    )
    Condition.treatments.through.objects.bulk_create(
        Condition.treatments.through(condition=c, treatment=t)
        for c, t in zip(conditions, treatments, strict=True)
    )
    points = treatments[0].points.model.objects.filter(text="Tendon pain")
    Condition.treatment_points.through.objects.bulk_create(
        Condition.treatment_points.through(condition=c, treatmentpoint=p)
        for c, p in zip(conditions, points.order_by("treatment_id"), strict=True)
    )


@pytest.mark.parametrize("count", [5, 500])
def test_condition_pages_queries_are_constant(client, clinic, count):
    make_conditions(count)
    # the published conditions, the clinic details
    assert count_queries(client, "/conditions/") == 2
    # the condition, its treatments, the clinic details
    assert count_queries(client, "/conditions/condition-1/") == 3


@pytest.mark.parametrize("count", [5, 500])
def test_search_queries_are_constant(client, clinic, count):
    make_conditions(count)
    # Building the index: treatments, their points, their conditions, the
    # conditions; then the clinic details.
    assert count_queries(client, "/search/?q=tendon") == 5
    # The index is kept until content changes: only the clinic details.
    assert count_queries(client, "/search/?q=knots") == 1


@pytest.mark.parametrize("practitioners", [1, 20])
def test_team_page_queries_are_constant(client, clinic, practitioners):
    treatments = [TreatmentFactory(), TreatmentFactory()]
    for _ in range(practitioners):
        PractitionerFactory(treatments=treatments)
    # the practitioners, their published treatments, the clinic details
    assert count_queries(client, "/team/") == 3
