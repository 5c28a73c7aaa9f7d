"""The shipped fixture carries the clinic's text verbatim, in the right sections.

fixtures/source/dry-needling.txt is the clinic's text exactly as it was given
(kept in the repository so every clone checks against it); the fixture and the
page must hold every one of its sentences, unchanged, under its heading.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers import soup
from treatments.models import Section, Treatment

SEED = Path(settings.BASE_DIR) / "fixtures" / "source" / "dry-needling.txt"
# Where the clinic's original is kept on the project's machines, beside the
# repository: when it is there, the copy in the repository must not drift.
ORIGINAL = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "dry-needling.txt"

TITLE = "Dry Needling"
# The text's headings, in its order. "Benefits & Limitations" has no text of
# its own, only the two headings after it.
HEADINGS = [
    "Overview",
    "What It Treats",
    "How It Works",
    "Benefits & Limitations",
    "Benefits",
    "Limitations",
    "Side Effects & Considerations",
    "Procedure & Aftercare",
]
# The text runs the procedure and the aftercare together: its first three
# points are what happens at the appointment, the rest what to do after.
PROCEDURE_POINTS = 3

# Where each part must appear on the page: (h2 heading, h3 sub-heading or None).
PAGE_HEADINGS = {
    "overview": ("Overview", None),
    Section.INDICATIONS: ("What it treats", None),
    "how_it_works": ("How it works", None),
    Section.BENEFITS: ("Benefits", None),
    Section.LIMITATIONS: ("Limitations", None),
    Section.SIDE_EFFECTS: ("Side effects & considerations", None),
    Section.PROCEDURE: ("Procedure & aftercare", "At your appointment"),
    Section.AFTERCARE: ("Procedure & aftercare", "Aftercare"),
}


def seed_by_heading():
    """Each heading of the seed text with the lines of text under it."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line not in {"", "-"}]  # "-" marks a point
    assert lines[0] == TITLE
    parts = {}
    for line in lines[1:]:
        if line in HEADINGS:
            parts[line] = []
        else:
            assert parts, f"text before the first heading: {line!r}"
            parts[list(parts)[-1]].append(line)
    return parts


def expected_content():
    """The seed's text by page part: overview, how it works, each Section."""
    parts = seed_by_heading()
    procedure_and_aftercare = parts["Procedure & Aftercare"]
    return {
        "overview": parts["Overview"],
        "how_it_works": parts["How It Works"],
        Section.INDICATIONS: parts["What It Treats"],
        Section.BENEFITS: parts["Benefits"],
        Section.LIMITATIONS: parts["Limitations"],
        Section.SIDE_EFFECTS: parts["Side Effects & Considerations"],
        Section.PROCEDURE: procedure_and_aftercare[:PROCEDURE_POINTS],
        Section.AFTERCARE: procedure_and_aftercare[PROCEDURE_POINTS:],
    }


def contraindication():
    """The one side effect that says who must not have the treatment."""
    (point,) = [
        text
        for text in expected_content()[Section.SIDE_EFFECTS]
        if "not suitable" in text
    ]
    return point


@pytest.mark.skipif(
    not ORIGINAL.exists(),
    reason=f"the clinic's original is not beside the repository ({ORIGINAL})",
)
def test_the_repositorys_copy_is_the_clinics_original_byte_for_byte():
    assert SEED.read_bytes() == ORIGINAL.read_bytes()


def test_the_seed_has_the_expected_headings_and_every_line_is_placed():
    parts = seed_by_heading()
    assert list(parts) == HEADINGS
    assert parts["Benefits & Limitations"] == []
    content = expected_content()
    assert all(content.values()), "a page part has no text"
    assert [len(content[part]) for part in ("overview", "how_it_works")] == [1, 1]
    placed = [text for texts in content.values() for text in texts]
    assert sorted(placed) == sorted(t for texts in parts.values() for t in texts)


def test_fixture_text_and_points_match_the_seed_by_section(seeded):
    treatment = Treatment.objects.get(slug="dry-needling")
    content = expected_content()
    assert [treatment.overview] == content["overview"]
    assert [treatment.how_it_works] == content["how_it_works"]
    for section in Section.values:
        texts = list(
            treatment.points.filter(section=section)
            .order_by("order")
            .values_list("text", flat=True)
        )
        assert texts == content[section], section


def test_only_the_not_suitable_point_is_a_contraindication(seeded):
    treatment = Treatment.objects.get(slug="dry-needling")
    flagged = treatment.points.filter(is_contraindication=True)
    assert [p.text for p in flagged] == [contraindication()]


def _text_by_heading(page):
    """Map each paragraph and list item of the page's sections to its (h2, h3)
    headings (the "At a glance" box above them repeats some points)."""
    found = {}
    h2 = h3 = None
    for tag in page.select_one(".treatment-body").find_all(["h2", "h3", "p", "li"]):
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
    for part, texts in expected_content().items():
        h2, h3 = PAGE_HEADINGS[part]
        for text in texts:
            assert text in found, f"missing from the page: {text!r}"
            got_h2, got_h3 = found[text]
            assert got_h2 == h2, (text, got_h2)
            if text == contraindication():
                # Shown in the safety callout inside its own section.
                assert got_h3 == "Who should not have this treatment"
            else:
                assert got_h3 == h3, (text, got_h3)
