from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class StaffAccessConfig(AppConfig):
    """Staff sign-in: password, then a code (django-otp), and device resets."""

    name = "staff_access"
    verbose_name = "Staff access"
    default = True


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin app, with StaffAdminSite as admin.site."""

    default = False
    default_site = "staff_access.admin_site.StaffAdminSite"
