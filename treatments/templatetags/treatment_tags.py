"""Template helpers for treatment pages: the image and schema.org JSON-LD."""

from django import template

from clinic_site.site_url import absolute_url
from clinic_site.structured_data import json_ld

from .. import images
from ..layout import group_points
from ..models import Section

register = template.Library()


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
    if treatment.last_reviewed:
        page["lastReviewed"] = treatment.last_reviewed.isoformat()
    if treatment.reviewed_by:
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
