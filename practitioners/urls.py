from django.urls import path

from clinic_site.pagecache import cache_public_page

from . import views

app_name = "practitioners"

urlpatterns = [
    path("team/", cache_public_page(views.TeamView.as_view()), name="team"),
]
