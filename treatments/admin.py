from django.contrib import admin

from .models import ClinicDetails, Treatment, TreatmentPoint


class TreatmentPointInline(admin.TabularInline):
    model = TreatmentPoint
    extra = 0
    fields = ["section", "order", "text", "is_contraindication"]


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "status",
        "display_order",
        "last_reviewed",
        "next_review_due",
    ]
    list_filter = ["status"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["related"]
    inlines = [TreatmentPointInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "display_order", "summary"]}),
        ("Page text", {"fields": ["overview", "how_it_works", "related"]}),
        (
            "Clinical review",
            {"fields": ["last_reviewed", "next_review_due", "reviewed_by"]},
        ),
    ]


@admin.register(ClinicDetails)
class ClinicDetailsAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "email"]

    def has_add_permission(self, request):
        return not ClinicDetails.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
