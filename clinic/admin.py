from django.contrib import admin
from django.shortcuts import redirect
from reversion.admin import VersionAdmin

from clinic_site.admin_actions import CheckedSelectionMixin

from .models import ClinicDetails


@admin.register(ClinicDetails)
class ClinicDetailsAdmin(CheckedSelectionMixin, VersionAdmin):
    """A single row: the list goes straight to it; no adding a second, no delete."""

    list_display = ["name", "phone", "email"]

    def has_add_permission(self, request):
        return (
            super().has_add_permission(request) and not ClinicDetails.objects.exists()
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        clinic = ClinicDetails.load()
        if clinic is None:
            if self.has_add_permission(request):
                return redirect("admin:clinic_clinicdetails_add")
            return super().changelist_view(request, extra_context)
        return redirect("admin:clinic_clinicdetails_change", clinic.pk)
