import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.management import call_command

from clinic_site.pagecache import reset_cache_errors
from tests.factories import ClinicDetailsFactory

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


def form_data(response, form_id):
    """What a browser would POST from the form `form_id` of a page, untouched.

    Lets admin tests change one field of a real change form (inline
    management forms included) instead of rebuilding it by hand.
    """
    form = soup(response).find("form", id=form_id)
    assert form is not None, f"no form #{form_id}"
    data = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or "__prefix__" in name:
            continue
        if element.name == "textarea":
            value = element.text
            values = [value[1:] if value.startswith("\n") else value]
        elif element.name == "select":
            options = element.find_all("option")
            values = [o.get("value", "") for o in options if o.has_attr("selected")]
            if not values and options and not element.has_attr("multiple"):
                values = [options[0].get("value", "")]
        else:
            kind = element.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                continue
            if kind in ("checkbox", "radio") and not element.has_attr("checked"):
                continue
            values = [element.get("value", "on" if kind == "checkbox" else "")]
        data.setdefault(name, []).extend(values)
    return {name: v[0] if len(v) == 1 else v for name, v in data.items()}


# Browser tests (tests/e2e) need Debian's Chromium. Without it, on a developer
# machine, they are left out with one line saying how to install it; under
# CI=true they run and fail (tests/helpers.py: require_chromium).
_browser_tests_left_out = []


def pytest_ignore_collect(collection_path, config):
    from scripts.browser import CHROMIUM
    from tests.helpers import IN_CI

    is_e2e = collection_path.name == "e2e" and collection_path.parent.name == "tests"
    if is_e2e and not CHROMIUM.exists() and not IN_CI:
        _browser_tests_left_out.append(str(CHROMIUM))
        return True
    return None


def pytest_terminal_summary(terminalreporter):
    if _browser_tests_left_out:
        terminalreporter.write_line(
            f"SKIPPED browser tests (tests/e2e): no Chromium at "
            f"{_browser_tests_left_out[0]}; install it with "
            "`sudo apt-get install chromium` to run them."
        )
