from django.apps import AppConfig


class SearchConfig(AppConfig):
    """/search/: treatments and conditions, forgiving of typing (no models)."""

    name = "search"
    verbose_name = "Search"
