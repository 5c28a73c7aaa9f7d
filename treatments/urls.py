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
    path("enquire/", views.EnquiryPlaceholderView.as_view(), name="enquire"),
]
