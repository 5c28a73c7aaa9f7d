"""schema.org JSON-LD for search engines, escaped like `json_script`.

The data is built from the content already on the page (prefetched points,
the context's clinic), so it costs no extra query. `<`, `>` and `&` are
written as \\u escapes, so no text staff type (e.g. `</script>`) can end the
block early.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models import Section
from ..site_url import absolute_url

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data):
    """A `<script type="application/ld+json">` block holding `data`, safely."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_ESCAPES)),  # noqa: S308 (escaped above)
    )


@register.simple_tag(takes_context=True)
def clinic_json_ld(context):
    """MedicalClinic: name, address, telephone, opening hours (home page)."""
    clinic = context.get("clinic")
    if not clinic:
        return ""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": clinic.name,
        "url": absolute_url(reverse("treatments:home")),
        "telephone": clinic.phone,
        "email": clinic.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": ", ".join(clinic.address_lines()),
        },
        # As staff wrote them (e.g. "Monday to Friday: 8:30am to 6pm").
        "openingHours": clinic.opening_hours_lines(),
    }
    return json_ld(data)


@register.simple_tag(takes_context=True)
def treatment_json_ld(context, treatment):
    """MedicalWebPage about a MedicalTherapy (treatment pages).

    Indications become `indication` (MedicalIndication), points that say who
    should not have it `contraindication`, side effects `adverseOutcome`,
    procedure `howPerformed` and aftercare `followup`.
    """
    by_section = {section: [] for section in Section.values}
    contraindications = []
    for point in treatment.points.all():
        if point.is_contraindication:
            contraindications.append(point.text)
        else:
            by_section[point.section].append(point.text)
    therapy = {
        "@type": "MedicalTherapy",
        "name": treatment.name,
        "description": treatment.summary,
    }
    if by_section[Section.INDICATIONS]:
        therapy["indication"] = [
            {"@type": "MedicalIndication", "name": text}
            for text in by_section[Section.INDICATIONS]
        ]
    if contraindications:
        therapy["contraindication"] = [
            {"@type": "MedicalContraindication", "name": text}
            for text in contraindications
        ]
    if by_section[Section.SIDE_EFFECTS]:
        therapy["adverseOutcome"] = [
            {"@type": "MedicalEntity", "name": text}
            for text in by_section[Section.SIDE_EFFECTS]
        ]
    if by_section[Section.PROCEDURE]:
        therapy["howPerformed"] = " ".join(by_section[Section.PROCEDURE])
    if by_section[Section.AFTERCARE]:
        therapy["followup"] = " ".join(by_section[Section.AFTERCARE])
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
    return json_ld(page)
