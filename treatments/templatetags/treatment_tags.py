"""Template helpers for treatment pages: the image, the clinical review line
and schema.org JSON-LD."""

from django import template
from django.utils import timezone

from clinic_site.site_url import absolute_url
from clinic_site.structured_data import json_ld

from .. import images
from ..layout import group_points
from ..models import Section, Treatment

register = template.Library()


def reviewed_on(page):
    """The date a clinician signed `page` off, or None.

    A treatment counts as reviewed only when approval set both the date and
    the reviewer (a date typed before sign-off existed, with nobody named, is
    no review). A condition's review fields are typed in admin: its date is
    its review.
    """
    if isinstance(page, Treatment) and not page.reviewed_by:
        return None
    return page.last_reviewed


@register.inclusion_tag("treatments/includes/_review_line.html")
def review_line(page, updates_url="", note=True):
    """“Reviewed by … on … · Next review due …”, the overdue notice and the
    latest “what changed” note (unless `note` is false: the page history
    lists it), from the page's own fields (no query). `updates_url`: the
    page history link, shown once there is a note."""
    day = reviewed_on(page)
    due = getattr(page, "next_review_due", None) if day else None
    note = getattr(page, "change_note", "") if note else ""
    return {
        "reviewed_on": day,
        "reviewed_by": page.reviewed_by if day else "",
        "next_review_due": due,
        "overdue": due is not None and due < timezone.localdate(),
        "change_note": note,
        "changed_on": getattr(page, "changed_on", None) if note else None,
        "updates_url": updates_url if note else "",
    }


@register.filter
def picture(treatment):
    """The treatment's image as a <picture>'s parts, or None."""
    return images.picture(
        treatment.image, treatment.image_renditions, treatment.image_alt
    )


@register.simple_tag
def treatment_json_ld(treatment):
    """MedicalWebPage about a MedicalTherapy (treatment pages).

    Indications become `indication` (MedicalIndication), points that say who
    should not have it `contraindication`, side effects `adverseOutcome`,
    procedure `howPerformed` and aftercare `followup`. Who provides it are
    `Person`s with `hasCredential` (the page's `mentions`), the sources its
    `citation`. Built from what is already prefetched for the page: no query.
    """
    groups = group_points(treatment)

    def texts(section):
        return [point.text for point in groups[section].listed]

    therapy = {
        "@type": "MedicalTherapy",
        "name": treatment.name,
        "description": treatment.summary,
    }
    if indications := texts(Section.INDICATIONS):
        therapy["indication"] = [
            {"@type": "MedicalIndication", "name": text} for text in indications
        ]
    if contraindications := [p.text for g in groups.values() for p in g.cautions]:
        therapy["contraindication"] = [
            {"@type": "MedicalContraindication", "name": text}
            for text in contraindications
        ]
    if side_effects := texts(Section.SIDE_EFFECTS):
        therapy["adverseOutcome"] = [
            {"@type": "MedicalEntity", "name": text} for text in side_effects
        ]
    if procedure := texts(Section.PROCEDURE):
        therapy["howPerformed"] = " ".join(procedure)
    if aftercare := texts(Section.AFTERCARE):
        therapy["followup"] = " ".join(aftercare)
    page = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": treatment.name,
        "description": treatment.summary,
        "url": absolute_url(treatment.get_absolute_url()),
        "inLanguage": "en-GB",
        "about": therapy,
    }
    # What the review line says: nothing until a clinician signed it off.
    if day := reviewed_on(treatment):
        page["lastReviewed"] = day.isoformat()
        page["reviewedBy"] = {"@type": "Person", "name": treatment.reviewed_by}
    if people := [p.schema_org() for p in treatment.practitioners.all()]:
        page["mentions"] = people
    if sources := treatment.sources.all():
        page["citation"] = [source_json(source) for source in sources]
    return json_ld(page)


def source_json(source):
    work = {"@type": "CreativeWork", "name": source.title}
    if source.publisher:
        work["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.year:
        work["datePublished"] = str(source.year)
    if source.url:
        work["url"] = source.url
    return work
