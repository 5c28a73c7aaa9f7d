import pytest
from django.core.cache import cache
from django.core.management import call_command

from clinic_site.pagecache import reset_cache_errors
from scripts.browser import CHROMIUM
from tests.factories import ClinicDetailsFactory
from tests.helpers import IN_CI, StaffClient


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
def client():
    """pytest-django's client, whose force_login passes the second factor
    (tests.helpers.StaffClient)."""
    return StaffClient()


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin_client, signed in with both factors."""
    client = StaffClient()
    client.force_login(admin_user)
    return client


@pytest.fixture
def clinic(db):
    return ClinicDetailsFactory()


@pytest.fixture
def seeded(db):
    """The shipped content: fixtures/treatments.json, clinic.json and
    practitioners.json."""
    call_command("loaddata", "treatments", "clinic", "practitioners", verbosity=0)


# Browser tests (tests/e2e) need Debian's Chromium. Without it, on a developer
# machine, they are left out with one line saying how to install it; under
# CI=true they run and fail (tests/helpers.py: require_chromium).
_browser_tests_left_out = []


def pytest_ignore_collect(collection_path, config):
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
