"""A treatment page as one JSON document, and back.

`document()` reads everything the page shows from the treatment's rows;
`apply()` writes a document back to them (what approval does). A revision
keeps the document, so what a reviewer approved is exactly what goes live.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models.fields.files import FieldFile

from treatments.models import (
    Treatment,
    TreatmentPoint,
    TreatmentQuestion,
    TreatmentSource,
)

# The treatment's own fields that the page (or its publishing) depends on.
PAGE_FIELDS = [
    "name",
    "slug",
    "summary",
    "image",
    "image_alt",
    "image_renditions",
    "treats_in_plain_words",
    "appointment_minutes",
    "usual_sessions",
    "price",
    "first_appointment_price",
    "price_note",
    "gp_referral",
    "what_to_bring",
    "overview",
    "how_it_works",
    "evidence_summary",
    "status",
    "display_order",
    "review_interval_months",
]

# The rows that belong to one page: (model, the fields kept of each row).
CHILDREN = {
    "points": (TreatmentPoint, ["section", "order", "text", "is_contraindication"]),
    "questions": (TreatmentQuestion, ["order", "question", "answer"]),
    "sources": (TreatmentSource, ["order", "title", "publisher", "year", "url"]),
}


def _plain(value):
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, Decimal):
        return str(value)
    return value


def document(treatment):
    """The page as a JSON-safe dict. A row added in a save that was rolled
    back keeps the id that save gave it (see apply())."""
    doc = {
        "fields": {name: _plain(getattr(treatment, name)) for name in PAGE_FIELDS},
        "related": sorted(treatment.related.values_list("pk", flat=True)),
    }
    for key, (model, fields) in CHILDREN.items():
        rows = model.objects.filter(treatment=treatment).order_by(
            *(["section"] if model is TreatmentPoint else []), "order", "pk"
        )
        doc[key] = [
            {
                "id": row.pk,
                **{name: _plain(getattr(row, name)) for name in fields},
            }
            for row in rows
        ]
    return doc


def empty():
    """A page with nothing on it (what a first publication is compared with)."""
    return {
        "fields": dict.fromkeys(PAGE_FIELDS),
        "related": [],
        **{key: [] for key in CHILDREN},
    }


def _set_fields(obj, values, names):
    for name in names:
        if name in values:
            field = obj._meta.get_field(name)
            value = values[name]
            setattr(obj, name, value if name == "image" else field.to_python(value))


@transaction.atomic
def apply(treatment, doc):
    """Write `doc` to the treatment's rows, through save() and delete() so
    every signal (page cache, search) sees the change."""
    _set_fields(treatment, doc["fields"], PAGE_FIELDS)
    # Unique slug and name included: another page may have taken them since.
    treatment.full_clean(exclude=["image"])
    treatment.save()
    related = Treatment.objects.filter(pk__in=doc["related"]).exclude(pk=treatment.pk)
    treatment.related.set(related)
    for key, (model, fields) in CHILDREN.items():
        rows = doc[key]
        existing = {row.pk: row for row in model.objects.filter(treatment=treatment)}
        kept = {row["id"] for row in rows if row.get("id") in existing}
        for pk, row in existing.items():
            if pk not in kept:
                row.delete()
        if model is TreatmentPoint:
            # Out of each other's way first: the (treatment, section, order)
            # constraint holds after every single save.
            for offset, pk in enumerate(sorted(kept), start=1):
                point = existing[pk]
                point.order = TreatmentPoint.ORDER_MAX + offset
                point.save(update_fields=["order"])
        for row in rows:
            obj = existing.get(row.get("id"))
            if obj is not None:
                _set_fields(obj, row, fields)
                obj.save()
                continue
            # A row new to this page keeps the id it was first saved with
            # while no other row has it: the same rows on every apply.
            obj = model(treatment=treatment)
            wanted = row.get("id")
            if wanted is not None and not model.objects.filter(pk=wanted).exists():
                obj.pk = wanted
            _set_fields(obj, row, fields)
            obj.save(force_insert=True)
    return treatment
