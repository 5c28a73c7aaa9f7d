from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator
from django.db import models
from django.forms.formsets import DELETION_FIELD_NAME
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst

from clinic_site.admin_actions import CheckedSelectionMixin
from clinic_site.site_url import absolute_url
from clinical_review import services as sign_off
from clinical_review.admin import SignOffAdminMixin

from . import images
from .models import (
    TREATMENT_RELATED_TO_ITSELF,
    Section,
    Treatment,
    TreatmentPoint,
    TreatmentQuestion,
    TreatmentSource,
)


def marked_for_deletion(form):
    """Whether a formset form's "Delete" box is ticked."""
    return bool(getattr(form, "cleaned_data", {}).get(DELETION_FIELD_NAME))


class TreatmentPointForm(forms.ModelForm):
    """A point of the section its inline shows (the section is not a field)."""

    def __init__(self, *args, section=None, **kwargs):
        super().__init__(*args, **kwargs)
        if section is not None:
            self.instance.section = section


class TreatmentPointFormSet(forms.BaseInlineFormSet):
    """The points of one section. Orders must differ; a blank order goes last."""

    section = None  # set by each section's inline

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "section": self.section}

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not marked_for_deletion(form) and form.is_valid()
        ]
        used = [form.cleaned_data.get("order") for form in kept]
        next_order = max((o for o in used if o is not None), default=-1) + 1
        seen = set()
        for form in kept:
            order = form.cleaned_data.get("order")
            if order is None:
                order = form.cleaned_data["order"] = next_order
                form.instance.order = order
                next_order += 1
            if order in seen:
                form.add_error(
                    "order",
                    f"Another point in “{Section(self.section).label}” already "
                    f"has order {order}. Give each point its own number.",
                )
            seen.add(order)

    def save(self, commit=True):
        # Points whose order changed, or that are being deleted, first move to
        # free numbers one by one through save(), so that swapping two points'
        # orders never meets the unique (treatment, section, order) constraint.
        moving = [
            form.instance
            for form in self.initial_forms
            if form.instance.pk
            and ("order" in form.changed_data or marked_for_deletion(form))
        ]
        for offset, point in enumerate(moving, start=1):
            wanted = point.order
            point.order = TreatmentPoint.ORDER_MAX + offset
            point.save(update_fields=["order"])
            point.order = wanted
        return super().save(commit)


# Rows whose every input is labelled, without Django's "original" column.
LABELLED_ROWS = "admin/treatments/edit_inline/tabular.html"


class TreatmentPointInline(admin.TabularInline):
    """One inline per section, in page order (see `section_inlines()`)."""

    model = TreatmentPoint
    template = LABELLED_ROWS
    form = TreatmentPointForm
    formset = TreatmentPointFormSet
    extra = 0
    fields = ["order", "text", "is_contraindication"]
    formfield_overrides = {
        # A point is a sentence or two: room to read it whole.
        models.CharField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 70})},
    }
    section = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(section=self.section)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.section = self.section
        order = formset.form.base_fields["order"]
        order.required = False
        order.initial = None
        order.max_value = TreatmentPoint.ORDER_MAX
        order.validators.append(MaxValueValidator(TreatmentPoint.ORDER_MAX))
        order.help_text = "Lower comes first; leave blank to add at the end."
        return formset


def section_inlines():
    """A clearly labelled inline for each section of the page, in page order."""
    return [
        type(
            f"{section.name.title().replace('_', '')}PointInline",
            (TreatmentPointInline,),
            {
                "section": section.value,
                "verbose_name": f"“{section.label}” point",
                "verbose_name_plural": section.label,
            },
        )
        for section in Section
    ]


class QuestionInline(admin.StackedInline):
    """“Questions patients ask”: each question a heading on the page."""

    model = TreatmentQuestion
    # Each question's inputs one labelled group (a fieldset and its legend).
    template = "admin/treatments/edit_inline/stacked.html"
    verbose_name = "question"
    verbose_name_plural = "Questions patients ask"
    extra = 0
    fields = ["order", "question", "answer"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 70})},
    }


class SourceInline(admin.TabularInline):
    """The numbered sources under “What the evidence says”."""

    model = TreatmentSource
    template = LABELLED_ROWS
    extra = 0
    fields = ["order", "title", "publisher", "year", "url"]
    # A link typed without a scheme is read as https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


# Top to bottom as the page shows it; the points, questions and sources follow.
TREATMENT_FIELDSETS = [
    (
        "Top of the page",
        {"fields": ["name", "slug", "summary", "image", "image_alt"]},
    ),
    (
        "At a glance and practical details",
        {
            "description": "Each is optional and shown only when filled in. "
            "The “At a glance” box under the title also lists the points "
            "ticked “says who should not have it”.",
            "fields": [
                "treats_in_plain_words",
                "appointment_minutes",
                "usual_sessions",
                "price",
                "first_appointment_price",
                "price_note",
                "gp_referral",
                "what_to_bring",
            ],
        },
    ),
    ("Page text", {"fields": ["overview", "how_it_works"]}),
    ("Evidence", {"fields": ["evidence_summary"]}),
    ("Related treatments", {"fields": ["related"]}),
    ("Publishing", {"fields": ["status", "display_order"]}),
    (
        "Clinical review",
        {
            "description": "Set when a clinical reviewer approves the page "
            "(Clinical sign-off); nobody types these dates.",
            "fields": [
                "review_interval_months",
                "last_reviewed",
                "next_review_due",
                "reviewed_by",
            ],
        },
    ),
]
# Shown on the form, written only by an approval (clinical_review.services).
REVIEW_FIELDS = ["last_reviewed", "next_review_due", "reviewed_by"]


class RelatedTreatmentsField(forms.ModelMultipleChoiceField):
    """The treatment being edited is not offered, and refused by name if it is
    posted anyway (not Django's generic "not one of the available choices")."""

    own_pk = None  # set by TreatmentAdminForm for an existing treatment

    def clean(self, value):
        if (
            self.own_pk is not None
            and isinstance(value, list | tuple)
            and str(self.own_pk) in {str(v) for v in value}
        ):
            raise ValidationError(TREATMENT_RELATED_TO_ITSELF, code="related_to_itself")
        return super().clean(value)


class TreatmentAdminForm(forms.ModelForm):
    class Meta:
        model = Treatment
        fields = [
            name
            for _, options in TREATMENT_FIELDSETS
            for name in options["fields"]
            if name not in REVIEW_FIELDS
        ]
        # The upload is checked by content in clean_image(), with clear
        # messages, not by Django's generic "upload a valid image".
        field_classes = {"image": forms.FileField, "related": RelatedTreatmentsField}
        widgets = {
            "image": forms.ClearableFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp"}
            ),
            # A list of boxes to tick: every one labelled, and no script
            # (filter_horizontal's widget breaks ARIA rules).
            "related": forms.CheckboxSelectMultiple,
        }

    # The image chosen on an earlier try of this form, kept while another
    # field's error was corrected (images.keep_upload; a signed token). The
    # change form template renders it.
    kept_image = forms.CharField(required=False, widget=forms.HiddenInput)

    processed_image = None
    kept_image_token = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        related = self.fields.get("related")
        if related is not None and self.instance.pk is not None:
            related.own_pk = self.instance.pk
            related.queryset = related.queryset.exclude(pk=self.instance.pk)
        slug = self.fields.get("slug")
        if slug is not None:
            slug.help_text = slug_help_text(self.instance.slug)

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        stem = images.new_stem(self.cleaned_data.get("slug") or "treatment")
        if isinstance(upload, UploadedFile):
            self.processed_image = images.process_upload(upload, stem)
            token = images.keep_upload(self.processed_image, upload.name)
            self._keep(token, upload.name)
            return self.processed_image.original
        token = self.data.get(self.add_prefix("kept_image"), "")
        if token and upload is not False:  # False: "Clear" is ticked
            kept = images.kept_upload(token, stem)
            if kept is None:
                # Said once: the form comes back without it.
                self.data = self.data.copy()
                self.data[self.add_prefix("kept_image")] = ""
                raise ValidationError(
                    "The image you chose before could not be kept. Choose it again.",
                    code="kept_image_lost",
                )
            self.processed_image, filename = kept
            self._keep(token, filename)
            return self.processed_image.original
        return upload

    def _keep(self, token, filename):
        """Send the kept image's token back with the form, should another field
        have an error, and say so under the image field."""
        self.kept_image_token = token
        self.data = self.data.copy()
        self.data[self.add_prefix("kept_image")] = token
        help_text = format_html(
            "Your chosen image “{}” is kept: it is saved with the page when you "
            "save again. Choose another file to replace it.",
            filename,
        )
        # The bound field (made before cleaning) is what the form shows.
        self.fields["image"].help_text = self["image"].help_text = help_text

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("image") and not cleaned.get("image_alt", "").strip():
            self.add_error(
                "image_alt",
                "Describe the image for people who cannot see it.",
            )
        return cleaned


def slug_help_text(slug):
    """The page's real address, with the slug in it."""
    prefix = absolute_url(reverse("treatments:detail", kwargs={"slug": "SLUG"}))
    before, _, after = prefix.partition("SLUG")
    if slug:
        return format_html(
            "The web address of the page: {}<strong>{}</strong>{}. Changing it "
            "changes the address.",
            before,
            slug,
            after,
        )
    return format_html(
        "The web address of the page: {}<strong>slug</strong>{}. Lower-case "
        "letters, numbers and hyphens.",
        before,
        after,
    )


def error_summary(adminform, inline_admin_formsets):
    """(message, id of the input to link to, or "") for every error on the
    change form: the fields in the order the form shows them, then each
    inline's rows (GOV.UK error summary)."""
    items = []
    form = adminform.form
    for error in form.non_field_errors():
        items.append((error, ""))
    for fieldset in adminform:
        for line in fieldset:
            for field in line:
                if field.is_readonly:
                    continue
                name = field.field.name
                if name in form.errors:
                    items.extend(_field_errors(form[name]))
    for inline in inline_admin_formsets:
        formset = inline.formset
        opts = inline.opts
        group = f"{formset.prefix}-group"
        for error in formset.non_form_errors():
            items.append((f"{opts.verbose_name_plural}: {error}", group))
        for number, row in enumerate(formset.forms, start=1):
            label = f"{opts.verbose_name} {number}"
            for error in row.non_field_errors():
                items.append((f"{label}: {error}", f"{formset.prefix}-{number - 1}"))
            for name in row.fields:
                if name in row.errors:
                    items.extend(_field_errors(row[name], label))
    return [(capfirst(message), target) for message, target in items]


def _field_errors(bound, row_label=""):
    target = bound.auto_id
    if bound.field.widget.use_fieldset:
        target = f"{target}_0"
    label = capfirst(bound.label)
    prefix = f"{row_label}, {label.lower()}" if row_label else label
    return [(f"{prefix}: {error}", target) for error in bound.errors]


class ReviewDueFilter(admin.SimpleListFilter):
    title = "clinical review"
    parameter_name = "review"
    DUE_SOON_DAYS = 30

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Review overdue"),
            ("soon", f"Due within {self.DUE_SOON_DAYS} days"),
            ("unset", "No review date set"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "soon":
            return queryset.filter(
                next_review_due__gte=today,
                next_review_due__lte=today + timedelta(days=self.DUE_SOON_DAYS),
            )
        if self.value() == "unset":
            return queryset.filter(next_review_due__isnull=True)
        return queryset


@admin.register(Treatment)
class TreatmentAdmin(SignOffAdminMixin, CheckedSelectionMixin, admin.ModelAdmin):
    form = TreatmentAdminForm
    list_display = [
        "name",
        "status",
        "display_order",
        "last_reviewed",
        "next_review_due",
    ]
    list_filter = ["status", ReviewDueFilter]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [*section_inlines(), QuestionInline, SourceInline]
    actions = ["publish", "unpublish"]
    fieldsets = TREATMENT_FIELDSETS
    readonly_fields = REVIEW_FIELDS

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        if context.get("errors"):
            context["error_summary"] = error_summary(
                context["adminform"], context["inline_admin_formsets"]
            )
        return super().render_change_form(request, context, add, change, **kwargs)

    def save_model(self, request, obj, form, change):
        processed = form.processed_image
        if processed is not None:
            obj.image_renditions = images.store_renditions(processed, obj.image.name)
        elif not obj.image:
            obj.image_renditions = {}
        super().save_model(request, obj, form, change)
        if form.kept_image_token:
            # The image is stored under its own name now.
            images.discard_kept_upload(form.kept_image_token)

    def delete_queryset(self, request, queryset):
        # "Delete selected" goes through each treatment's delete(), like the
        # actions below go through save().
        for treatment in queryset:
            treatment.delete()

    @admin.action(
        description="Send selected drafts for approval to publish",
        permissions=["change"],
    )
    def publish(self, request, queryset):
        self.submit_for_publishing(request, queryset)

    @admin.action(
        description="Make selected treatments drafts (hide them)",
        permissions=["change"],
    )
    def unpublish(self, request, queryset):
        # Hiding a page shows patients nothing new: no approval needed. One by
        # one through save(), never queryset.update(): post_save signals (page
        # cache) must see every change.
        changed = 0
        for treatment in queryset:
            if treatment.status == Treatment.Status.DRAFT:
                continue
            sign_off.unpublish(treatment)
            self.log_change(request, treatment, "Marked draft.")
            changed += 1
        self.message_user(
            request,
            f"{changed} {'treatment' if changed == 1 else 'treatments'} marked draft.",
            messages.SUCCESS,
        )
