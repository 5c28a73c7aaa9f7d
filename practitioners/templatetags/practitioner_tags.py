"""schema.org JSON-LD for the team page."""

from django import template
from django.urls import reverse

from clinic_site.site_url import absolute_url
from clinic_site.structured_data import json_ld

register = template.Library()


@register.simple_tag(takes_context=True)
def team_json_ld(context, practitioners):
    """A page about the clinic's practitioners: each a `Person` with
    `hasCredential`, working for the clinic."""
    clinic = context.get("clinic")
    people = [practitioner.schema_org() for practitioner in practitioners]
    if clinic:
        for person in people:
            person["worksFor"] = {"@type": "MedicalClinic", "name": clinic.name}
    page = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": "Our team",
        "url": absolute_url(reverse("practitioners:team")),
        "inLanguage": "en-GB",
        "mainEntity": {"@type": "ItemList", "itemListElement": people},
    }
    return json_ld(page)
