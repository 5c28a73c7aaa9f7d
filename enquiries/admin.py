import csv

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.http import HttpResponse
from django.utils.text import capfirst

from clinic_site.admin_actions import CheckedSelectionMixin

from .models import Enquiry

CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_PREFIXES) else text


class NotificationFilter(admin.SimpleListFilter):
    """Enquiries the clinic has not been emailed about (mail down, say)."""

    title = "notification email"
    parameter_name = "notification"

    def lookups(self, request, model_admin):
        return [("unsent", "Notification not sent"), ("sent", "Notification sent")]

    def queryset(self, request, queryset):
        if self.value() == "unsent":
            return queryset.filter(notification_sent_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(notification_sent_at__isnull=False)
        return queryset


@admin.register(Enquiry)
class EnquiryAdmin(CheckedSelectionMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "created_at",
        "name",
        "treatment",
        "preferred_contact",
        "status",
    ]
    list_filter = ["status", NotificationFilter, "treatment", "created_at"]
    list_select_related = ["treatment"]
    search_fields = ["reference", "name", "email"]
    date_hierarchy = "created_at"
    # Years/months/days are listed without querying which dates have data:
    # the built-in drill-down scans the whole table on every page.
    date_hierarchy_drilldown = False
    list_per_page = 50
    # No COUNT(*) over the whole table on every page: fast at 100,000 rows.
    show_full_result_count = False
    actions = ["mark_contacted", "mark_closed", "export_csv"]
    record_fields = [
        "consent_given",
        "consent_given_at",
        "notification_sent_at",
        "notification_attempts",
    ]
    # Staff change the status and their notes; what the patient sent is kept
    # exactly as sent.
    readonly_fields = [
        "reference",
        "created_at",
        *Enquiry.PATIENT_FIELDS,
        *record_fields,
    ]
    fieldsets = [
        (None, {"fields": ["reference", "created_at", "status", "staff_notes"]}),
        ("From the patient", {"fields": Enquiry.PATIENT_FIELDS}),
        ("Consent and notification", {"fields": record_fields}),
    ]

    def has_add_permission(self, request):
        # Enquiries come from patients through the website only.
        return False

    @admin.action(
        description="Mark selected enquiries as contacted", permissions=["change"]
    )
    def mark_contacted(self, request, queryset):
        self._set_status(request, queryset, Enquiry.Status.CONTACTED)

    @admin.action(
        description="Mark selected enquiries as closed", permissions=["change"]
    )
    def mark_closed(self, request, queryset):
        self._set_status(request, queryset, Enquiry.Status.CLOSED)

    def _set_status(self, request, queryset, status):
        """Change the status of those not in it yet; each change is logged in
        admin's history as editing the form would be (by reference only)."""
        changing = queryset.exclude(status=status)
        changed = list(changing)
        updated = changing.update(status=status)
        label = Enquiry.Status(status).label
        LogEntry.objects.log_actions(
            request.user.pk,
            changed,
            CHANGE,
            [
                {
                    "changed": {
                        "fields": [
                            capfirst(Enquiry._meta.get_field("status").verbose_name)
                        ]
                    }
                }
            ],
        )
        self.message_user(
            request,
            f"{updated} {'enquiry' if updated == 1 else 'enquiries'} marked "
            f"{label.lower()}.",
            messages.SUCCESS,
        )

    @admin.action(description="Export selected enquiries as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="enquiries.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        columns = [
            ("Reference", "reference"),
            ("Received", "created_at"),
            ("Name", "name"),
            ("Email", "email"),
            ("Phone", "phone"),
            ("Preferred contact", "preferred_contact"),
            ("Treatment", "treatment"),
            ("Status", "status"),
            ("Message", "message"),
        ]
        writer.writerow([title for title, _ in columns])
        for enquiry in queryset.select_related("treatment").order_by("created_at"):
            writer.writerow([csv_safe(getattr(enquiry, attr)) for _, attr in columns])
        return response
