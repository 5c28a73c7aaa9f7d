"""The go-live checklist on the admin index: what staff must still put right
before patients rely on the site. Each item links to the admin page that
fixes it."""

import json
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .models import ClinicDetails


@dataclass
class Item:
    text: str
    url: str


def shipped(fixture, model_label):
    """The `fields` of each record of `model_label` in fixtures/<fixture>.json."""
    for folder in settings.FIXTURE_DIRS:
        path = folder / f"{fixture}.json"
        if path.exists():
            records = json.loads(path.read_text(encoding="utf-8"))
            return [r["fields"] for r in records if r["model"] == model_label]
    return []


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def clinic_items():
    clinic = ClinicDetails.load()
    if clinic is None:
        return [
            Item(
                "Enter the clinic’s details.", reverse("admin:clinic_clinicdetails_add")
            )
        ]
    items = []
    examples = shipped("clinic", "clinic.clinicdetails")
    if examples:
        same = [
            ClinicDetails._meta.get_field(name).verbose_name
            for name, value in examples[0].items()
            if getattr(clinic, name, None) == value
        ]
        if same:
            items.append(
                Item(
                    "Clinic details still show the shipped example values: "
                    + ", ".join(same)
                    + ".",
                    change_url(clinic),
                )
            )
    if not clinic.enquiry_notification_email:
        items.append(
            Item("No address is set for enquiry notifications.", change_url(clinic))
        )
    return items


def review_problem(treatment, today):
    """What is wrong with a published page's clinical review, if anything.

    Drafts are left out: their first publication is reviewed anyway. A date
    with nobody named is no review (what the fixture once shipped).
    """
    if treatment.status != treatment.Status.PUBLISHED:
        return None
    if not treatment.last_reviewed or not treatment.reviewed_by:
        return "never clinically reviewed"
    if treatment.next_review_due and treatment.next_review_due < today:
        return "clinical review overdue"
    return None


def treatment_items(today):
    Treatment = apps.get_model("treatments", "Treatment")
    examples = {f["slug"]: f for f in shipped("treatments", "treatments.treatment")}
    practical = [
        "appointment_minutes",
        "usual_sessions",
        "price",
        "first_appointment_price",
        "price_note",
        "what_to_bring",
    ]
    items = []
    for treatment in Treatment.objects.order_by("display_order", "name"):
        url = change_url(treatment)
        if problem := review_problem(treatment, today):
            items.append(Item(f"{treatment}: {problem}.", url))
        if not treatment.has_practical_details:
            items.append(
                Item(f"{treatment}: no practical details (length, price …).", url)
            )
        elif (example := examples.get(treatment.slug)) and any(
            example.get(name) not in (None, "")
            and str(getattr(treatment, name)) == str(example[name])
            for name in practical
        ):
            items.append(
                Item(f"{treatment}: practical details still the shipped examples.", url)
            )
    return items


def condition_items():
    Condition = apps.get_model("conditions", "Condition")
    unreviewed = Condition.objects.filter(
        status=Condition.Status.PUBLISHED, last_reviewed__isnull=True
    ).count()
    if not unreviewed:
        return []
    return [
        Item(
            f"Conditions: {unreviewed} published "
            + ("page" if unreviewed == 1 else "pages")
            + " never clinically reviewed.",
            reverse("admin:conditions_condition_changelist") + "?reviewed=no",
        )
    ]


def practitioner_items(today):
    Practitioner = apps.get_model("practitioners", "Practitioner")
    examples = {
        f["name"] for f in shipped("practitioners", "practitioners.practitioner")
    }
    items = []
    for practitioner in Practitioner.objects.all():
        url = change_url(practitioner)
        if practitioner.name in examples:
            items.append(
                Item(f"{practitioner}: the shipped example practitioner.", url)
            )
        if practitioner.register_checked_on is None:
            items.append(Item(f"{practitioner}: register check never recorded.", url))
        elif practitioner.register_check_overdue(today):
            items.append(
                Item(f"{practitioner}: register last checked over 12 months ago.", url)
            )
    return items


def checklist():
    """Every item still to do, in the order of the admin index."""
    today = timezone.localdate()
    return [
        *clinic_items(),
        *treatment_items(today),
        *condition_items(),
        *practitioner_items(today),
    ]


def may_see_checklist(user):
    """Superusers and content editors (who may change treatments)."""
    return (
        user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm("treatments.change_treatment"))
    )
