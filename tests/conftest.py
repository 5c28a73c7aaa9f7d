import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.management import call_command

from tests.factories import ClinicDetailsFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (shared Redis in CI included)."""
    cache.clear()
    yield
    cache.clear()


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


# Browser tests (tests/e2e) need Debian's Chromium. Without it, on a developer
# machine, they are left out with one line saying how to install it; under
# CI=true they run and fail (tests/e2e/tools.py: require_chromium).
_browser_tests_left_out = []


def pytest_ignore_collect(collection_path, config):
    from tests.e2e.tools import CHROMIUM, IN_CI

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
