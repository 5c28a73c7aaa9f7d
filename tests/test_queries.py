"""Public pages run a constant number of SQL queries, whatever the content size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TreatmentFactory, make_treatment_with_points

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


@pytest.mark.parametrize("per_section", [3, 60])
def test_treatment_page_queries_are_constant(client, clinic, per_section):
    treatment = make_treatment_with_points(per_section, slug="big")
    for i in range(per_section // 3):
        treatment.related.add(TreatmentFactory(slug=f"rel-{per_section}-{i}"))
    # treatment, its points, its related treatments, the clinic details
    with_max = 4
    assert count_queries(client, "/treatments/big/") <= with_max
    assert count_queries(client, "/treatments/big/") == with_max


@pytest.mark.parametrize("url", ["/", "/treatments/"])
@pytest.mark.parametrize("treatments", [1, 50])
def test_listing_pages_queries_are_constant(client, clinic, url, treatments):
    for _ in range(treatments):
        make_treatment_with_points(2)
    # the published treatments, the clinic details
    assert count_queries(client, url) == 2
