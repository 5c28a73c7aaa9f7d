"""The shipped fixture carries the clinic's text verbatim, in the right sections."""

from pathlib import Path

import pytest
from django.conf import settings

from tests import seed_content
from tests.helpers import soup
from treatments.models import Section, Treatment

SEED_FILE = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "dry-needling.txt"


def _seed_lines():
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() not in {"", "-"}]


@pytest.mark.skipif(not SEED_FILE.exists(), reason=f"{SEED_FILE} is not present")
def test_expected_content_is_exactly_the_seed_text():
    """Every line of text in the seed is in the tests' copy, and nothing else."""
    headings = {
        "Dry Needling",
        "Overview",
        "What It Treats",
        "How It Works",
        "Benefits & Limitations",
        "Benefits",
        "Limitations",
        "Side Effects & Considerations",
        "Procedure & Aftercare",
    }
    seed_text = [line for line in _seed_lines() if line not in headings]
    expected = [seed_content.OVERVIEW, seed_content.HOW_IT_WORKS] + [
        text for points in seed_content.POINTS.values() for text in points
    ]
    assert sorted(seed_text) == sorted(expected)


def test_fixture_points_match_the_seed_by_section(seeded):
    treatment = Treatment.objects.get(slug="dry-needling")
    assert treatment.overview == seed_content.OVERVIEW
    assert treatment.how_it_works == seed_content.HOW_IT_WORKS
    for section in Section.values:
        texts = list(
            treatment.points.filter(section=section)
            .order_by("order")
            .values_list("text", flat=True)
        )
        assert texts == seed_content.POINTS[section], section


def test_only_the_not_suitable_point_is_a_contraindication(seeded):
    treatment = Treatment.objects.get(slug="dry-needling")
    flagged = treatment.points.filter(is_contraindication=True)
    assert [p.text for p in flagged] == [seed_content.CONTRAINDICATION]


def _text_by_heading(page):
    """Map each paragraph and list item in main to its (h2, h3) headings."""
    found = {}
    h2 = h3 = None
    for tag in page.main.find_all(["h2", "h3", "p", "li"]):
        text = " ".join(tag.get_text().split())
        if tag.name == "h2":
            h2, h3 = text, None
        elif tag.name == "h3":
            h3 = text
        else:
            found.setdefault(text, (h2, h3))
    return found


def test_every_seed_sentence_is_on_the_page_under_its_heading(client, seeded):
    page = soup(client.get("/treatments/dry-needling/"))
    found = _text_by_heading(page)
    expected = {
        "overview": [seed_content.OVERVIEW],
        "how_it_works": [seed_content.HOW_IT_WORKS],
        **seed_content.POINTS,
    }
    for part, texts in expected.items():
        h2, h3 = seed_content.PAGE_HEADINGS[part]
        for text in texts:
            assert text in found, f"missing from the page: {text!r}"
            got_h2, got_h3 = found[text]
            assert got_h2 == h2, (text, got_h2)
            if text == seed_content.CONTRAINDICATION:
                # Shown in the safety callout inside its own section.
                assert got_h3 == "Who should not have this treatment"
            else:
                assert got_h3 == h3, (text, got_h3)
