from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from reversion.admin import VersionAdmin
from reversion.models import Version

from clinic_site.admin_actions import CheckedSelectionMixin

from .models import ClinicDetails, ClosedDay


class ClosedDayInline(admin.TabularInline):
    """Days the clinic is closed, for the enquiry reply promise. Whoever may
    change the clinic details may change these."""

    model = ClosedDay
    extra = 1
    fields = ["date", "description"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("clinic.view_clinicdetails")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("clinic.change_clinicdetails")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("clinic.change_clinicdetails")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("clinic.change_clinicdetails")


@admin.register(ClinicDetails)
class ClinicDetailsAdmin(CheckedSelectionMixin, VersionAdmin):
    """A single row: the list goes straight to it; no adding a second, no delete."""

    list_display = ["name", "phone", "email"]
    inlines = [ClosedDayInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "phone",
                    "email",
                    "enquiry_notification_email",
                    "address",
                    "opening_hours",
                    "urgent_care_notice",
                    "reply_within_working_days",
                ]
            },
        ),
        (
            "Premises and access (the “Visit us” page)",
            {
                "description": "Each is optional and shown only when filled in.",
                "fields": [
                    "how_to_get_here",
                    "public_transport",
                    "parking",
                    "step_free_access",
                    "accessible_toilet",
                    "hearing_loop",
                    "other_facilities",
                    "map_url",
                ],
            },
        ),
    ]
    formfield_overrides = {
        # A map link typed without a scheme is read as https://.
        models.URLField: {"assume_scheme": "https"},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})},
    }

    # The address enquiry notifications go to needs a permission of its own
    # (ClinicDetails.Meta.permissions); without it the field is read-only.
    NOTIFICATION_FIELD = "enquiry_notification_email"
    NOTIFICATION_PERMISSION = "clinic.change_notification_email"

    def may_change_notification_email(self, request):
        return request.user.has_perm(self.NOTIFICATION_PERMISSION)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.may_change_notification_email(request):
            readonly.append(self.NOTIFICATION_FIELD)
        return readonly

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

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Restoring a version restores its notification address too: refused,
        # before anything is reverted, to staff who may not change it, unless
        # it is the address in use now.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if not self.may_change_notification_email(request):
            version = get_object_or_404(
                Version.objects.get_for_model(ClinicDetails),
                pk=version_id,
                object_id=unquote(object_id),
            )
            clinic = self.get_object(request, unquote(object_id))
            restored = version.field_dict.get(self.NOTIFICATION_FIELD)
            if clinic is not None and restored != clinic.enquiry_notification_email:
                messages.error(
                    request,
                    "This version sends enquiry notifications to another "
                    "address, which only staff allowed to change that address "
                    "can restore. Change the other details by hand, or ask them.",
                )
                return redirect("admin:clinic_clinicdetails_history", clinic.pk)
        return super().revision_view(request, object_id, version_id, extra_context)
