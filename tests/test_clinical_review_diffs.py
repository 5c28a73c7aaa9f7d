"""What the review screen says changed: section by section, bullets added,
removed, reworded (word by word) and moved, with plain-English advice."""

import copy

import pytest

from clinical_review import diffs, readability


def doc(points=(), **fields):
    base = {
        "fields": {"overview": "Short words.", "status": "published", **fields},
        "related": [],
        "points": [
            {
                "id": n + 1,
                "section": section,
                "order": n,
                "text": text,
                "is_contraindication": caution,
            }
            for n, (section, text, caution) in enumerate(points)
        ],
        "questions": [],
        "sources": [],
    }
    return base


BULLETS = [
    ("benefits", "Eases pain", False),
    ("benefits", "Improves movement", False),
    ("side_effects", "Not for people with a needle phobia", False),
]


def kinds(sections):
    return {s.heading: [(c.kind, c.label) for c in s.changes] for s in sections}


def test_nothing_changed_is_no_section():
    assert diffs.compare(doc(BULLETS), doc(BULLETS)) == []


def test_bullets_added_removed_reworded_and_moved_in_their_sections():
    old = doc(BULLETS)
    new = copy.deepcopy(old)
    benefits = [p for p in new["points"] if p["section"] == "benefits"]
    benefits[0]["order"], benefits[1]["order"] = 1, 0  # moved
    new["points"][2]["text"] = "Not for people who fear needles"  # reworded
    new["points"][2]["is_contraindication"] = True
    new["points"].append(
        {
            "id": None,
            "section": "aftercare",
            "order": 0,
            "text": "Rest",
            "is_contraindication": False,
        }
    )
    changed = kinds(diffs.compare(old, new))
    assert [kind for kind, _ in changed["Benefits"]] == ["moved", "moved"]
    assert [kind for kind, _ in changed["Side effects & considerations"]] == [
        "reworded",
        "changed",
    ]
    assert changed["Aftercare"] == [("added", "Added")]
    removed = kinds(diffs.compare(new, old))["Aftercare"]
    assert removed == [("removed", "Removed")]


def test_a_reworded_bullet_is_diffed_word_by_word():
    old = doc(BULLETS)
    new = copy.deepcopy(old)
    new["points"][0]["text"] = "Eases muscle pain"
    (section,) = diffs.compare(old, new)
    (change,) = section.changes
    assert ("ins", "muscle ") in change.words or ("ins", "muscle") in change.words
    assert "".join(t for op, t in change.words if op != "del") == "Eases muscle pain"


def test_a_new_bullet_without_its_old_id_is_matched_by_its_text():
    old = doc(BULLETS)
    new = copy.deepcopy(old)
    for point in new["points"]:
        point["id"] = None
    assert diffs.compare(old, new) == []


def test_field_changes_show_labels_and_choices():
    (section,) = diffs.compare(doc(status="draft"), doc(status="published"))
    (change,) = section.changes
    assert (change.label, change.old, change.new) == (
        "Status",
        "Draft (hidden from the public)",
        "Published",
    )


def test_long_sentences_and_a_high_reading_age_are_advice():
    long = " ".join(["The intramuscular stimulation procedure"] * 8) + "."
    notes = readability.advice(long)
    assert any("Reading age about" in note for note in notes)
    assert any("A sentence of 32 words" in note for note in notes)
    assert readability.advice("Rest. Drink water. Walk a little each day.") == []


@pytest.mark.parametrize("count", [3, 15])
def test_short_bullets_are_read_as_sentences_not_one_run_on(count):
    old = doc([])
    new = doc([("benefits", "Eases pain", False)] * count)
    (section,) = diffs.compare(old, new)
    assert not any("A sentence of" in note for note in section.advice)
