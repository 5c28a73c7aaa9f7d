from django.urls import path

from clinic_site.pagecache import cache_public_page

from . import views

app_name = "conditions"

urlpatterns = [
    path(
        "conditions/",
        cache_public_page(views.ConditionListView.as_view()),
        name="list",
    ),
    path(
        "conditions/<slug:slug>/",
        cache_public_page(views.ConditionDetailView.as_view()),
        name="detail",
    ),
]
