"""The treatment page, top to bottom: which text and which points go under
which heading. The page (`page_sections`) and its JSON-LD (`group_points`)
both read this one layout.
"""

from dataclasses import dataclass, field

from .models import Section


@dataclass(frozen=True)
class Block:
    """One h2 section of the page: a text field, lists of points, or both."""

    anchor: str
    heading: str
    text_field: str | None = None
    # (sub-heading or "", section) pairs; procedure & aftercare has two.
    lists: tuple = ()


def _points(anchor, section):
    """A block holding one section's points under the section's own name."""
    return Block(anchor, Section(section).label, lists=(("", section),))


LAYOUT = (
    Block("overview", "Overview", text_field="overview"),
    _points("what-it-treats", Section.INDICATIONS),
    Block("how-it-works", "How it works", text_field="how_it_works"),
    _points("benefits", Section.BENEFITS),
    _points("limitations", Section.LIMITATIONS),
    _points("side-effects", Section.SIDE_EFFECTS),
    Block(
        "procedure-and-aftercare",
        "Procedure & aftercare",
        lists=(
            ("At your appointment", Section.PROCEDURE),
            (Section.AFTERCARE.label, Section.AFTERCARE),
        ),
    ),
)


@dataclass
class PointGroup:
    """One section's points: those listed, and those that say who should not
    have the treatment (shown in a safety callout)."""

    listed: list = field(default_factory=list)
    cautions: list = field(default_factory=list)


def group_points(treatment):
    """{section: PointGroup} for every section, points in page order.

    Reads `treatment.points.all()`, so after `for_detail()` it costs no query.
    """
    groups = {section: PointGroup() for section in Section.values}
    for point in treatment.points.all():
        group = groups[point.section]
        (group.cautions if point.is_contraindication else group.listed).append(point)
    return groups


@dataclass
class PageSection:
    """One h2 section as the template shows it."""

    anchor: str
    heading: str
    text: str = ""
    # (sub-heading or "", [points]) pairs
    lists: list = field(default_factory=list)
    cautions: list = field(default_factory=list)


def page_sections(treatment):
    """The page's sections in layout order, leaving out empty ones."""
    groups = group_points(treatment)
    sections = []
    for block in LAYOUT:
        text = getattr(treatment, block.text_field) if block.text_field else ""
        lists, cautions = [], []
        for label, section in block.lists:
            if groups[section].listed:
                lists.append((label, groups[section].listed))
            cautions += groups[section].cautions
        if text or lists or cautions:
            sections.append(
                PageSection(block.anchor, block.heading, text, lists, cautions)
            )
    return sections


@dataclass
class Glance:
    """The "At a glance" box under the h1: the facts a patient asks first and
    the points that say who should not have the treatment."""

    treats: str = ""
    # The "What it treats" points, when no plain-words line is written.
    treats_points: list = field(default_factory=list)
    cautions: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.treats or self.treats_points or self.cautions)


def at_a_glance(treatment):
    """What the box shows (practical facts are read off the treatment)."""
    groups = group_points(treatment)
    return Glance(
        treats=treatment.treats_in_plain_words,
        treats_points=[]
        if treatment.treats_in_plain_words
        else groups[Section.INDICATIONS].listed,
        cautions=[point for group in groups.values() for point in group.cautions],
    )


# The sections after the seed's, in page order: (anchor, heading, shown?).
LATER_SECTIONS = (
    ("practical-details", "Practical details", lambda t: t.has_practical_details),
    ("questions", "Questions patients ask", lambda t: bool(t.questions.all())),
    (
        "who-provides-it",
        "Who provides this treatment",
        lambda t: bool(t.practitioners.all()),
    ),
    (
        "evidence",
        "What the evidence says",
        lambda t: bool(t.evidence_summary or t.sources.all()),
    ),
)


def later_sections(treatment):
    """{anchor: heading} of the later sections that have content, in order.

    Reads the prefetched questions, practitioners and sources: no query."""
    return {
        anchor: heading for anchor, heading, shown in LATER_SECTIONS if shown(treatment)
    }
