from django import forms
from django.contrib import admin, messages
from reversion.admin import VersionAdmin

from clinical_review import services
from clinical_review.models import APPROVE_PERMISSION
from treatments.models import Section, TreatmentPoint

from .models import Condition


class PointChoiceField(forms.ModelMultipleChoiceField):
    """A point named with its treatment: many treatments have a point called
    "Tendinopathies"."""

    def label_from_instance(self, point):
        return f"{point.treatment.name}: {point.text}"


CONDITION_FIELDSETS = [
    ("Names", {"fields": ["name", "slug", "medical_term", "other_names", "summary"]}),
    ("Treatments that can help", {"fields": ["treatments", "treatment_points"]}),
    ("Publishing", {"fields": ["status"]}),
    (
        "Clinical review",
        {
            "description": "Set by a clinical reviewer with the list action "
            "“Record a clinical review”; nobody types them.",
            "fields": ["last_reviewed", "reviewed_by"],
        },
    ),
]
# Shown on the form, written only by a clinical reviewer's action.
REVIEW_FIELDS = ["last_reviewed", "reviewed_by"]


class ConditionAdminForm(forms.ModelForm):
    class Meta:
        model = Condition
        fields = [
            name
            for _, options in CONDITION_FIELDSETS
            for name in options["fields"]
            if name not in REVIEW_FIELDS
        ]
        field_classes = {"treatment_points": PointChoiceField}
        widgets = {"other_names": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def clean(self):
        cleaned = super().clean()
        points = cleaned.get("treatment_points")
        treatments = cleaned.get("treatments")
        if points and treatments is not None:
            missing = sorted(
                {p.treatment.name for p in points} - {t.name for t in treatments}
            )
            if missing:
                self.add_error(
                    "treatments",
                    "Add the treatments whose points link here: "
                    + ", ".join(missing)
                    + ".",
                )
        return cleaned


class ReviewedFilter(admin.SimpleListFilter):
    title = "clinical review"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", "Not yet clinically reviewed"), ("yes", "Reviewed")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(last_reviewed__isnull=True)
        if self.value() == "yes":
            return queryset.filter(last_reviewed__isnull=False)
        return queryset


@admin.register(Condition)
class ConditionAdmin(VersionAdmin):
    form = ConditionAdminForm
    list_display = ["name", "medical_term", "status", "last_reviewed"]
    list_filter = ["status", ReviewedFilter]
    search_fields = ["name", "medical_term", "other_names"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["treatments", "treatment_points"]
    fieldsets = CONDITION_FIELDSETS
    readonly_fields = REVIEW_FIELDS
    actions = ["record_review"]

    def save_model(self, request, obj, form, change):
        # What a reviewer checked is no longer what the page says: it says
        # "not yet reviewed" until a reviewer records a review again.
        if change and form.has_changed() and obj.last_reviewed is not None:
            obj.last_reviewed = None
            obj.reviewed_by = ""
            self.message_user(
                request,
                "The condition's clinical review was cleared: ask a clinical "
                "reviewer to check the change and record a review.",
                messages.WARNING,
            )
        super().save_model(request, obj, form, change)

    def has_approve_permission(self, request):
        return request.user.has_perm(APPROVE_PERMISSION)

    @admin.action(
        description="Record a clinical review of the selected conditions",
        permissions=["approve"],
    )
    def record_review(self, request, queryset):
        try:
            for condition in queryset:
                services.record_condition_review(condition, request.user)
        except services.SignOffRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(
            request,
            f"Recorded your review of {queryset.count()} condition(s).",
            messages.SUCCESS,
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "treatment_points":
            kwargs["queryset"] = (
                TreatmentPoint.objects.filter(section=Section.INDICATIONS)
                .select_related("treatment")
                .order_by("treatment__name", "order")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
