from django.urls import path

from . import views
from .cache import cache_public_page

app_name = "treatments"

# Public pages are served from the shared cache (treatments/cache.py); the
# enquiry pages never are: they carry a CSRF token or a patient's reference.
urlpatterns = [
    path("", cache_public_page(views.HomeView.as_view()), name="home"),
    path(
        "treatments/",
        cache_public_page(views.TreatmentListView.as_view()),
        name="list",
    ),
    path(
        "treatments/<slug:slug>/",
        cache_public_page(views.TreatmentDetailView.as_view()),
        name="detail",
    ),
    path("enquire/", views.EnquiryView.as_view(), name="enquire"),
    path("enquire/thanks/", views.EnquiryThanksView.as_view(), name="enquiry_thanks"),
    path("privacy/", cache_public_page(views.PrivacyView.as_view()), name="privacy"),
]
