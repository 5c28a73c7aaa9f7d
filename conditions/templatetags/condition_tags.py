"""schema.org JSON-LD for condition pages, and breadcrumbs for any page."""

from django import template
from django.urls import reverse

from clinic_site.site_url import absolute_url
from clinic_site.structured_data import json_ld

register = template.Library()


@register.simple_tag
def condition_json_ld(condition, treatments):
    """MedicalWebPage about a MedicalCondition, with the treatments that can
    help as possibleTreatment (read from the prefetched list: no query)."""
    about = {
        "@type": "MedicalCondition",
        "name": condition.medical_term or condition.name,
        "description": condition.summary,
    }
    alternate = [condition.name] if condition.medical_term else []
    alternate += condition.other_names_list
    if alternate:
        about["alternateName"] = alternate
    if treatments:
        about["possibleTreatment"] = [
            {
                "@type": "MedicalTherapy",
                "name": treatment.name,
                "url": absolute_url(treatment.get_absolute_url()),
            }
            for treatment in treatments
        ]
    page = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": condition.name,
        "description": condition.summary,
        "url": absolute_url(condition.get_absolute_url()),
        "inLanguage": "en-GB",
        "about": about,
    }
    if condition.last_reviewed:
        page["lastReviewed"] = condition.last_reviewed.isoformat()
    if condition.reviewed_by:
        page["reviewedBy"] = {"@type": "Person", "name": condition.reviewed_by}
    return json_ld(page)


@register.simple_tag
def breadcrumb_json_ld(list_url_name, list_name, page):
    """BreadcrumbList: Home › the list (`list_url_name`) › `page` (a model
    instance with get_absolute_url), as the page's breadcrumb shows it."""
    trail = [
        ("Home", reverse("treatments:home")),
        (list_name, reverse(list_url_name)),
        (str(page), page.get_absolute_url()),
    ]
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": name,
                    "item": absolute_url(url),
                }
                for position, (name, url) in enumerate(trail, start=1)
            ],
        }
    )
