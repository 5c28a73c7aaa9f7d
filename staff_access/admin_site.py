"""The admin site: django-otp's OTPAdminSite, reached in two steps.

Installed as Django's default admin site (apps.StaffAdminConfig in
INSTALLED_APPS in place of "django.contrib.admin"), so `admin.site` and every
registration stay as they are. No admin page opens for a session that has not
passed the second factor (OTPAdminSite.has_permission).
"""

from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class StaffAdminSite(OTPAdminSite):
    # Django's own login page (templates/admin/login.html) for the password;
    # the code is asked for on a page of its own (staff_access.views).
    login_template = None

    def __init__(self, name="admin"):
        super().__init__(name)

    def login(self, request, extra_context=None):
        """The password step, as AdminSite.login shows it, but a right password
        leads to the code step instead of signing in (views.PasswordStepView).
        """
        from .views import PasswordStepView

        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        if request.user.is_authenticated and not request.user.is_verified():
            # Signed in without the second factor (a session from before it
            # was needed, or whose device was reset): start again.
            logout(request)
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": "",
        }
        if (
            REDIRECT_FIELD_NAME not in request.GET
            and REDIRECT_FIELD_NAME not in request.POST
        ):
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return PasswordStepView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template or "admin/login.html",
        )(request)
