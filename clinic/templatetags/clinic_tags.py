from django import template
from django.urls import reverse

from clinic_site.site_url import absolute_url
from clinic_site.structured_data import json_ld

register = template.Library()


@register.filter
def lines(text):
    """The non-blank lines of a multi-line field (address, opening hours),
    leaving out the "PLACEHOLDER – edit in admin" line earlier fixtures shipped
    (the go-live checklist still flags the example values)."""
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().upper().startswith("PLACEHOLDER")
    ]


@register.simple_tag(takes_context=True)
def clinic_json_ld(context):
    """MedicalClinic: name, address, telephone, opening hours (home page).

    Built from the context's clinic, already read for the page's frame.
    """
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
            "streetAddress": ", ".join(lines(clinic.address)),
        },
        # As staff wrote them (e.g. "Monday to Friday: 8:30am to 6pm").
        "openingHours": lines(clinic.opening_hours),
    }
    return json_ld(data)


@register.inclusion_tag("clinic/admin/go_live_checklist.html", takes_context=True)
def go_live_checklist(context):
    """The go-live checklist for superusers and content editors (admin index)."""
    from clinic import go_live

    request = context.get("request")
    if request is None or not go_live.may_see_checklist(request.user):
        return {"checklist_shown": False}
    return {"checklist_shown": True, "items": go_live.checklist()}
