from django.contrib import admin
from django.urls import path

from . import views

app_name = "staff_access"

# Under the admin's path (clinic_site/urls.py), so they share its headers
# (never cached, never indexed) and its robots.txt entry.
urlpatterns = [
    path("code/", views.CodeStepView.as_view(), name="code"),
    path("set-up/", views.SetUpView.as_view(), name="set_up"),
    path(
        "backup-codes/",
        admin.site.admin_view(views.BackupCodesView.as_view()),
        name="backup_codes",
    ),
]
