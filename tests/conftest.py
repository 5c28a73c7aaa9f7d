import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.management import call_command

from tests.factories import ClinicDetailsFactory
from treatments.cache import reset_cache_errors

# Redis that is down: nothing listens on loopback port 1, so connecting fails
# at once. Set as settings.CACHES to test the site without its cache.
CLOSED_PORT_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (shared Redis in CI included) that
    the page cache uses straight away (no pause left by an earlier error)."""
    cache.clear()
    reset_cache_errors()
    yield
    cache.clear()
    reset_cache_errors()


@pytest.fixture
def clinic(db):
    return ClinicDetailsFactory()


@pytest.fixture
def seeded(db):
    """The shipped content: fixtures/treatments.json and fixtures/clinic.json."""
    call_command("loaddata", "treatments", "clinic", verbosity=0)


def soup(response):
    """Parse a response's HTML for structural assertions."""
    return BeautifulSoup(response.content.decode(), "html.parser")
