from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import devices

User = get_user_model()

# Devices are not edited in admin: a key or a backup code read there would
# let the reader pass someone else's second factor. A superuser resets them
# (below); the staff member sets up again at their next sign-in.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "two_factor"]
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_app=Exists(app))

    @admin.display(boolean=True, description="two-factor set up", ordering="has_app")
    def two_factor(self, user):
        return user.has_app

    @admin.action(
        permissions=["change"],
        description="Reset two-factor sign-in of selected users",
    )
    def reset_two_factor(self, request, queryset):
        """After a confirmation page: delete their app and backup codes.

        Offered to whoever may change users, done for superusers only, so a
        try by anyone else is told why nothing happened.
        """
        if not request.user.is_superuser:
            self.message_user(
                request,
                "Only a superuser can reset two-factor sign-in: nothing was changed.",
                messages.ERROR,
            )
            return None
        users = list(queryset.order_by("username"))
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "staff_access/reset_two_factor.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Reset two-factor sign-in?",
                    "users": users,
                    "includes_you": request.user in users,
                    "opts": self.model._meta,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for user in users:
            devices.reset_two_factor(user, by=request.user, request=request)
        names = ", ".join(user.get_username() for user in users)
        self.message_user(
            request,
            f"Two-factor sign-in reset for {names}: they set up an "
            "authenticator app again at their next sign-in.",
            messages.SUCCESS,
        )
        return None
