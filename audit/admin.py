from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Superusers read the trail; nobody adds, changes or deletes in admin
    (purge_enquiries removes events past the retention)."""

    list_display = [
        "at",
        "actor_username",
        "action",
        "enquiry_reference",
        "count",
        "ip",
        "detail",
    ]
    list_display_links = None
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=enquiry_reference", "=actor_username"]
    search_help_text = "An enquiry's reference, or a username (exactly)."
    date_hierarchy = "at"
    # Years/months/days without scanning the table for which dates have data.
    date_hierarchy_drilldown = False
    list_per_page = 100
    # No COUNT(*) over the whole trail on every page.
    show_full_result_count = False
    fields = list_display[:2] + ["actor", *list_display[2:]]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
