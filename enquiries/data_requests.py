"""Patients' requests about their data (UK GDPR): find every enquiry for an
email address or phone number, export them (JSON, CSV) and erase them.

Superusers only, in admin. The email address or phone number searched for
travels in POST bodies only: never in a URL, a log line, an error report or
the audit trail, which records how many enquiries were exported or erased and
nothing else.

Matching: an email address matches when equal ignoring case. A phone number
matches when its digits are equal, after a UK country code (+44, 0044, with
an optional "(0)") is written as the leading 0: "01632 960 001",
"01632960001" and "+44 (0)1632 960001" are one number.
"""

import csv
import json
import re
import unicodedata

from django import forms
from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from audit import events
from audit.models import AuditEvent

from .admin import csv_safe, local_time, person
from .forms import PHONE_MAX_DIGITS, PHONE_MIN_DIGITS, PHONE_RE
from .models import Enquiry, EnquiryNote, EnquiryStatusChange

User = get_user_model()
SEARCH_FIELDS = ("email", "phone")
# Enquiry columns that say nothing about the patient.
NOT_EXPORTED = {"id"}


def phone_key(text: str) -> str:
    """A phone number as digits only (any script's digits read as 0-9), a UK
    country code as the leading 0."""
    digits = "".join(
        str(unicodedata.decimal(char)) for char in text if char.isdecimal()
    )
    international = text.lstrip().startswith("+") or digits.startswith("00")
    digits = digits.removeprefix("00") if international else digits
    if international and digits.startswith("44"):
        # "+44 (0)1632 ...": the "(0)" is the national prefix written twice.
        digits = "0" + digits[2:].removeprefix("0")
    return digits


def matching_enquiries(*, email: str = "", phone: str = ""):
    """Every enquiry with this email address or this phone number."""
    condition = Q(pk__in=[])
    if email:
        condition |= Q(email__iexact=email)
    if phone:
        key = phone_key(phone)
        # Phones are stored as typed: compared here, one column of one query.
        rows = Enquiry.objects.exclude(phone="").values_list("pk", "phone")
        condition |= Q(
            pk__in=[pk for pk, typed in rows.iterator(2000) if phone_key(typed) == key]
        )
    return Enquiry.objects.filter(condition)


def matched_by(enquiry, *, email, phone):
    """What the patient's details matched: "email", "phone" or both."""
    matched = []
    if email and enquiry.email.lower() == email.lower():
        matched.append("email")
    if phone and enquiry.phone and phone_key(enquiry.phone) == phone_key(phone):
        matched.append("phone")
    return " and ".join(matched)


class DataRequestForm(forms.Form):
    """The patient's email address, phone number, or both."""

    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=Enquiry._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Found when equal, ignoring capitals.",
        error_messages={
            "invalid": "Enter an email address in the correct format, like "
            "name@example.com",
        },
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=Enquiry._meta.get_field("phone").max_length,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text="Found when the digits are equal, whatever the spaces: "
        "01632 960 001, 01632960001 and +44 1632 960001 are one number.",
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        digits = re.sub(r"\D", "", phone)
        if phone and not (
            PHONE_RE.match(phone)
            and PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS
        ):
            raise forms.ValidationError(
                "Enter a phone number, like 01632 960 001 or +44 7700 900 982"
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(f) for f in SEARCH_FIELDS):
            self.add_error(
                "email", "Enter the patient's email address, phone number or both"
            )
        return cleaned

    def search_terms(self):
        return {name: self.cleaned_data[name] for name in SEARCH_FIELDS}


class EnquiryIdsField(forms.Field):
    """The ids of the enquiries a search showed (hidden inputs). Anything but
    plain digits is refused before it reaches the database."""

    widget = forms.MultipleHiddenInput
    # Fits a 64-bit key, so a tampered value never overflows a query.
    MAX_DIGITS = 18

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value]
        values = [v for v in values if v not in self.empty_values]
        if not all(
            isinstance(v, str)
            and v.isascii()
            and v.isdigit()
            and len(v) <= self.MAX_DIGITS
            for v in values
        ):
            raise forms.ValidationError(CHANGED, code="invalid")
        return [int(v) for v in values]


CHANGED = "The enquiries found have changed: search again."


class DataRequestActionForm(DataRequestForm):
    """Export or erase: the search again, and the enquiries it showed.

    Only enquiries that were shown AND still match are acted on, so an
    enquiry that arrived after the search is never exported or erased unseen.
    """

    enquiries = EnquiryIdsField(error_messages={"required": CHANGED})
    format = forms.ChoiceField(
        choices=[("json", "JSON"), ("csv", "CSV")], required=False
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self.found_pks = list(
                matching_enquiries(**self.search_terms())
                .filter(pk__in=cleaned["enquiries"])
                .values_list("pk", flat=True)
            )
            if not self.found_pks:
                self.add_error("enquiries", CHANGED)
        return cleaned

    def found(self):
        return Enquiry.objects.filter(pk__in=self.found_pks)


# Export ------------------------------------------------------------------------


def _exported_fields():
    return [f for f in Enquiry._meta.concrete_fields if f.name not in NOT_EXPORTED]


def _for_export(queryset):
    relations = [f.name for f in _exported_fields() if f.is_relation]
    return (
        queryset.select_related(*relations)
        .prefetch_related(
            Prefetch(
                "notes",
                EnquiryNote.objects.select_related("author").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch(
                "status_changes",
                EnquiryStatusChange.objects.select_related("changed_by").order_by(
                    "changed_at", "pk"
                ),
            ),
        )
        .order_by("created_at", "pk")
    )


def _value(enquiry, field, when):
    """An enquiry field as a person reads it; `when` formats times."""
    if field.choices:
        return getattr(enquiry, f"get_{field.name}_display")()
    value = getattr(enquiry, field.name)
    if value is None:
        return None
    if field.is_relation:
        return person(value) if field.related_model is User else str(value)
    if isinstance(field, models.DateTimeField):
        return when(value)
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def _iso(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def export_json(enquiries):
    """Everything held about the patient, as JSON (local times, ISO 8601)."""
    records = []
    for enquiry in enquiries:
        record = {f.name: _value(enquiry, f, _iso) for f in _exported_fields()}
        record["notes"] = [
            {"written": _iso(n.created_at), "author": person(n.author), "text": n.text}
            for n in enquiry.notes.all()
        ]
        record["status_changes"] = [
            {
                "status": change.get_status_display(),
                "changed_at": _iso(change.changed_at),
                "changed_by": person(change.changed_by),
            }
            for change in enquiry.status_changes.all()
        ]
        records.append(record)
    body = {"exported_at": _iso(timezone.now()), "enquiries": records}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    return _attachment(response, "json")


def export_csv(enquiries):
    """The same, one line per field, note and status change, for a spreadsheet:
    UTF-8 with a byte-order mark, every cell escaped against formulas."""
    response = _attachment(HttpResponse(content_type="text/csv; charset=utf-8"), "csv")
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["Reference", "Record", "Field", "Value", "When", "By"])
    for enquiry in enquiries:
        ref = enquiry.reference
        rows = [
            [ref, "Enquiry", capfirst(f.verbose_name), _value(enquiry, f, local_time)]
            for f in _exported_fields()
        ]
        rows += [
            [ref, "Note", "Note", n.text, local_time(n.created_at), person(n.author)]
            for n in enquiry.notes.all()
        ]
        rows += [
            [
                ref,
                "Status change",
                "Status",
                change.get_status_display(),
                local_time(change.changed_at),
                person(change.changed_by),
            ]
            for change in enquiry.status_changes.all()
        ]
        for row in rows:
            writer.writerow([csv_safe(_cell(cell)) for cell in row])
    return response


def _cell(value):
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "" if value is None else value


def _attachment(response, extension):
    # No reference, name or address in the file name: downloads get listed.
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="patient-data-{stamp}.{extension}"'
    )
    response["Cache-Control"] = "no-store"
    return response


# Erase -------------------------------------------------------------------------


def erase_enquiries(request, queryset) -> int:
    """Delete the enquiries, their notes and status history, admin's log
    entries for them and every audit event naming them; record one audit
    event with the count only. Returns how many enquiries were erased."""
    with transaction.atomic():
        rows = list(queryset.select_for_update().values_list("pk", "reference"))
        pks = [pk for pk, _ in rows]
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Enquiry),
            object_id__in=[str(pk) for pk in pks],
        ).delete()
        AuditEvent.objects.filter(
            enquiry_reference__in=[reference for _, reference in rows]
        ).delete()
        # The notes and status changes go with them (CASCADE).
        _, deleted = Enquiry.objects.filter(pk__in=pks).delete()
        count = deleted.get(Enquiry._meta.label, 0)
        events.record(request, AuditEvent.Action.DATA_REQUEST_ERASED, count=count)
    return count


# Views -------------------------------------------------------------------------


@method_decorator(sensitive_post_parameters(*SEARCH_FIELDS), name="dispatch")
class DataRequestView(View):
    """Base: superusers only, in admin's frame (admin_view wraps each URL)."""

    model_admin = None
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render(self, template, **context):
        context = {
            **self.model_admin.admin_site.each_context(self.request),
            "opts": Enquiry._meta,
            "title": "Patient data requests",
            "search_url": reverse("admin:enquiries_enquiry_data_requests"),
            "export_url": reverse("admin:enquiries_enquiry_data_request_export"),
            "erase_url": reverse("admin:enquiries_enquiry_data_request_erase"),
            **context,
        }
        return TemplateResponse(self.request, f"enquiries/admin/{template}", context)

    def results(self, form):
        """The search page: the form and, when it is valid, what it found."""
        found = None
        if form.is_bound and not any(f in form.errors for f in SEARCH_FIELDS):
            terms = form.search_terms()
            found = list(
                matching_enquiries(**terms)
                .select_related("treatment")
                .order_by("created_at", "pk")
            )
            for enquiry in found:
                enquiry.matched_by = matched_by(enquiry, **terms)
        return self.render("data_request.html", form=form, found=found)


class SearchView(DataRequestView):
    http_method_names = ["get", "post"]

    def get(self, request):
        return self.results(DataRequestForm())

    def post(self, request):
        return self.results(DataRequestForm(request.POST))


class ExportView(DataRequestView):
    def post(self, request):
        form = DataRequestActionForm(request.POST)
        if not form.is_valid():
            return self.results(_search_again(request, form))
        enquiries = list(_for_export(form.found()))
        export = export_csv if form.cleaned_data["format"] == "csv" else export_json
        response = export(enquiries)
        events.record(
            request, AuditEvent.Action.DATA_REQUEST_EXPORTED, count=len(enquiries)
        )
        return response


class EraseView(DataRequestView):
    def post(self, request):
        form = DataRequestActionForm(request.POST)
        if not form.is_valid():
            return self.results(_search_again(request, form))
        if "confirm" not in request.POST:
            found = list(
                form.found().select_related("treatment").order_by("created_at", "pk")
            )
            return self.render("data_request_erase.html", form=form, found=found)
        count = erase_enquiries(request, form.found())
        messages.success(
            request,
            f"Erased {count} {'enquiry' if count == 1 else 'enquiries'} with "
            "their notes and status history. The audit trail keeps only the "
            "count and the date.",
        )
        return redirect("admin:enquiries_enquiry_data_requests")


def _search_again(request, action_form):
    """The search page again, after an export or erase that could not be done
    (the enquiries found changed, or the page was tampered with)."""
    form = DataRequestForm(request.POST)
    if form.is_valid():
        for name in ("enquiries", "format"):
            for error in action_form.errors.get(name, []):
                form.add_error(None, error)
    return form


def urls(model_admin):
    """The tool's admin URLs, for EnquiryAdmin.get_urls()."""
    wrap = model_admin.admin_site.admin_view
    views = [
        ("data-requests/", SearchView, "data_requests"),
        ("data-requests/export/", ExportView, "data_request_export"),
        ("data-requests/erase/", EraseView, "data_request_erase"),
    ]
    return [
        path(
            route,
            wrap(view.as_view(model_admin=model_admin)),
            name=f"enquiries_enquiry_{name}",
        )
        for route, view, name in views
    ]
