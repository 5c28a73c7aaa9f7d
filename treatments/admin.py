from datetime import timedelta

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.forms.formsets import DELETION_FIELD_NAME
from django.shortcuts import get_object_or_404
from django.utils import timezone
from reversion.admin import VersionAdmin
from reversion.models import Version

from clinic_site.admin_actions import CheckedSelectionMixin

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


class TreatmentPointInline(admin.TabularInline):
    """One inline per section, in page order (see `section_inlines()`)."""

    model = TreatmentPoint
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
    extra = 0
    fields = ["order", "question", "answer"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 70})},
    }


class SourceInline(admin.TabularInline):
    """The numbered sources under “What the evidence says”."""

    model = TreatmentSource
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
        {"fields": ["last_reviewed", "next_review_due", "reviewed_by"]},
    ),
]


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
            name for _, options in TREATMENT_FIELDSETS for name in options["fields"]
        ]
        # The upload is checked by content in clean_image(), with clear
        # messages, not by Django's generic "upload a valid image".
        field_classes = {"image": forms.FileField, "related": RelatedTreatmentsField}
        widgets = {
            "image": forms.ClearableFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp"}
            )
        }

    processed_image = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        related = self.fields.get("related")
        if related is not None and self.instance.pk is not None:
            related.own_pk = self.instance.pk
            related.queryset = related.queryset.exclude(pk=self.instance.pk)

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if isinstance(upload, UploadedFile):
            stem = images.new_stem(self.cleaned_data.get("slug") or "treatment")
            self.processed_image = images.process_upload(upload, stem)
            return self.processed_image.original
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("image") and not cleaned.get("image_alt", "").strip():
            self.add_error(
                "image_alt",
                "Describe the image for people who cannot see it.",
            )
        return cleaned


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
class TreatmentAdmin(CheckedSelectionMixin, VersionAdmin):
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
    filter_horizontal = ["related"]
    inlines = [*section_inlines(), QuestionInline, SourceInline]
    actions = ["publish", "unpublish"]
    fieldsets = TREATMENT_FIELDSETS

    def save_model(self, request, obj, form, change):
        processed = form.processed_image
        if processed is not None:
            obj.image_renditions = images.store_renditions(processed, obj.image.name)
        elif not obj.image:
            obj.image_renditions = {}
        super().save_model(request, obj, form, change)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Restoring a version from before a reordering saves each point with
        # its old order while another point may still hold it (the unique
        # constraint stops that, and on GET reversion mutes signals). So this
        # treatment's points first move above ORDER_MAX, in one transaction
        # with the restore, kept only if the restore put every point back.
        # Nothing moves before the version and the permission are checked.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        version = get_object_or_404(
            Version.objects.get_for_model(Treatment),
            pk=version_id,
            object_id=unquote(object_id),
        )
        points = TreatmentPoint.objects.filter(treatment_id=version.object_id)
        with transaction.atomic():
            for offset, point in enumerate(points.order_by("pk"), start=1):
                point.order = TreatmentPoint.ORDER_MAX + offset
                point.save(update_fields=["order"])
            response = super().revision_view(
                request, object_id, version_id, extra_context
            )
            moved_only = points.filter(order__gt=TreatmentPoint.ORDER_MAX).exists()
            if request.method != "POST" or moved_only:
                transaction.set_rollback(True)
        return response

    def delete_queryset(self, request, queryset):
        # "Delete selected" goes through each treatment's delete(), like the
        # actions below go through save().
        for treatment in queryset:
            treatment.delete()

    @admin.action(description="Publish selected treatments", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Treatment.Status.PUBLISHED, "published")

    @admin.action(
        description="Make selected treatments drafts (hide them)",
        permissions=["change"],
    )
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Treatment.Status.DRAFT, "draft")

    def _set_status(self, request, queryset, status, label):
        # One by one through save(), never queryset.update(): post_save signals
        # (cache invalidation, history) must see every change.
        changed = 0
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(f"Marked {label} from the list.")
            for treatment in queryset:
                if treatment.status == status:
                    continue
                treatment.status = status
                treatment.save(update_fields=["status", "updated_at"])
                self.log_change(request, treatment, f"Marked {label}.")
                changed += 1
        self.message_user(
            request,
            f"{changed} {'treatment' if changed == 1 else 'treatments'} "
            f"marked {label}.",
            messages.SUCCESS,
        )
