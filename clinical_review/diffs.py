"""What changed between two documents of a page, section by section in page
order: fields reworded (word by word), bullets added, removed, reworded and
moved, with plain-English advice on the new text of each changed section."""

import difflib
import re
from dataclasses import dataclass, field

from treatments.models import Section, Treatment

from . import readability

# (heading, fields shown under it, child list key, point section)
LAYOUT = [
    ("Top of the page", ["name", "slug", "summary", "image", "image_alt"], None, None),
    (
        "At a glance and practical details",
        [
            "treats_in_plain_words",
            "appointment_minutes",
            "usual_sessions",
            "price",
            "first_appointment_price",
            "price_note",
            "gp_referral",
            "what_to_bring",
        ],
        None,
        None,
    ),
    ("Overview", ["overview"], None, None),
    (Section.INDICATIONS.label, [], "points", Section.INDICATIONS),
    ("How it works", ["how_it_works"], None, None),
    *[
        (section.label, [], "points", section)
        for section in Section
        if section != Section.INDICATIONS
    ],
    ("Questions patients ask", [], "questions", None),
    ("What the evidence says", ["evidence_summary"], "sources", None),
    ("Publishing", ["status", "display_order", "review_interval_months"], None, None),
]

# Fields whose words patients read (the readability advice looks at them).
PROSE_FIELDS = {
    "summary",
    "treats_in_plain_words",
    "what_to_bring",
    "price_note",
    "overview",
    "how_it_works",
    "evidence_summary",
}


def words_diff(old, new):
    """[(op, text)] with op "same", "del" or "ins", word by word."""
    old_words = re.split(r"(\s+)", old or "")
    new_words = re.split(r"(\s+)", new or "")
    parts = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("del", "".join(old_words[i1:i2])))
        if j2 > j1:
            parts.append(("ins", "".join(new_words[j1:j2])))
    return parts


@dataclass
class Change:
    kind: str  # "changed", "added", "removed", "reworded", "moved"
    label: str
    old: str = ""
    new: str = ""
    words: list = field(default_factory=list)


@dataclass
class SectionDiff:
    heading: str
    changes: list
    advice: list


def _label(name):
    return str(Treatment._meta.get_field(name).verbose_name).capitalize()


def _shown(name, value):
    if value in (None, ""):
        return "(empty)"
    model_field = Treatment._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def _row_text(key, row):
    if key == "points":
        return row["text"]
    if key == "questions":
        return f"{row['question']} — {row['answer']}"
    return " · ".join(
        str(row[name]) for name in ("title", "publisher", "year", "url") if row[name]
    )


def _row_flag(key, row):
    return key == "points" and row.get("is_contraindication")


def _rows(doc, key, section):
    rows = doc.get(key, [])
    if section is not None:
        rows = [row for row in rows if row["section"] == section]
    return sorted(rows, key=lambda row: (row["order"], row["id"] or 0))


def _pair(old_rows, new_rows, key):
    """(old, new) pairs: by id, then same text, then similar text; the rest
    added or removed."""
    pairs = []
    old_left = list(old_rows)
    new_left = []
    by_id = {row["id"]: row for row in old_rows if row["id"] is not None}
    for row in new_rows:
        match = by_id.pop(row["id"], None) if row["id"] is not None else None
        if match is not None:
            old_left.remove(match)
            pairs.append((match, row))
        else:
            new_left.append(row)
    for test in (
        lambda a, b: _row_text(key, a) == _row_text(key, b),
        lambda a, b: (
            difflib.SequenceMatcher(None, _row_text(key, a), _row_text(key, b)).ratio()
            >= 0.6
        ),
    ):
        for row in list(new_left):
            match = next((old for old in old_left if test(old, row)), None)
            if match is not None:
                old_left.remove(match)
                new_left.remove(row)
                pairs.append((match, row))
    return pairs, old_left, new_left


def _list_changes(old_rows, new_rows, key):
    pairs, removed, added = _pair(old_rows, new_rows, key)
    changes = []
    old_position = {id(row): n for n, row in enumerate(old_rows)}
    new_position = {id(row): n for n, row in enumerate(new_rows)}
    for row in removed:
        changes.append(Change("removed", "Removed", old=_row_text(key, row)))
    for old, new in pairs:
        old_text, new_text = _row_text(key, old), _row_text(key, new)
        if old_text != new_text:
            changes.append(
                Change(
                    "reworded",
                    "Reworded",
                    old=old_text,
                    new=new_text,
                    words=words_diff(old_text, new_text),
                )
            )
        if _row_flag(key, old) != _row_flag(key, new):
            changes.append(
                Change(
                    "changed",
                    "Now in the “Who should not have it” box"
                    if _row_flag(key, new)
                    else "No longer in the “Who should not have it” box",
                    new=new_text,
                )
            )
        if old_position[id(old)] != new_position[id(new)] and old_text == new_text:
            changes.append(
                Change(
                    "moved",
                    f"Moved from position {old_position[id(old)] + 1} to "
                    f"{new_position[id(new)] + 1}",
                    new=new_text,
                )
            )
    for row in added:
        changes.append(Change("added", "Added", new=_row_text(key, row)))
    return changes


def _as_sentences(texts):
    """Bullets and fields as the reader meets them: each its own sentence
    (a bullet without a full stop would otherwise run into the next)."""
    ends = (".", "!", "?", ":")
    return "\n".join(
        text if text.rstrip().endswith(ends) else text.rstrip() + "."
        for text in texts
        if text.strip()
    )


def _related_names(ids):
    names = dict(Treatment.objects.filter(pk__in=ids).values_list("pk", "name"))
    return (
        ", ".join(sorted(names.get(pk, f"(deleted #{pk})") for pk in ids)) or "(none)"
    )


def compare(old, new):
    """[SectionDiff] for the sections that differ, in page order."""
    sections = []
    for heading, names, key, section in LAYOUT:
        changes, prose = [], []
        for name in names:
            before = old["fields"].get(name)
            after = new["fields"].get(name)
            if before == after or name == "image_renditions":
                continue
            changes.append(
                Change(
                    "changed",
                    _label(name),
                    old=_shown(name, before),
                    new=_shown(name, after),
                    words=words_diff(_shown(name, before), _shown(name, after))
                    if name in PROSE_FIELDS
                    else [],
                )
            )
            if name in PROSE_FIELDS:
                prose.append(after or "")
        if key:
            old_rows, new_rows = _rows(old, key, section), _rows(new, key, section)
            listed = _list_changes(old_rows, new_rows, key)
            changes += listed
            if any(change.kind in ("added", "reworded") for change in listed):
                prose += [_row_text(key, row) for row in new_rows]
        if changes:
            sections.append(
                SectionDiff(heading, changes, readability.advice(_as_sentences(prose)))
            )
    if sorted(old.get("related", [])) != sorted(new.get("related", [])):
        sections.append(
            SectionDiff(
                "Related treatments",
                [
                    Change(
                        "changed",
                        "Related treatments",
                        old=_related_names(old.get("related", [])),
                        new=_related_names(new.get("related", [])),
                    )
                ],
                [],
            )
        )
    return sections
