from django.urls import path

from clinic_site.pagecache import cache_public_page

from . import views

app_name = "treatments"

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
    path(
        "treatments/<slug:slug>/updates/",
        cache_public_page(views.TreatmentUpdatesView.as_view()),
        name="updates",
    ),
]
