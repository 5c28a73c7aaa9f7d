from django.urls import path

from . import views

app_name = "treatments"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("treatments/", views.TreatmentListView.as_view(), name="list"),
    path(
        "treatments/<slug:slug>/",
        views.TreatmentDetailView.as_view(),
        name="detail",
    ),
    path("enquire/", views.EnquiryView.as_view(), name="enquire"),
    path("enquire/thanks/", views.EnquiryThanksView.as_view(), name="enquiry_thanks"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
]
