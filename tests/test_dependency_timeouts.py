"""A dependency that accepts the connection and then never answers (a hung
PostgreSQL or Redis, a half-open network path) fails in seconds, with the
timeouts the settings set, instead of holding a worker until gunicorn kills it.
Each test talks to its own silent socket on 127.0.0.1."""

import pytest

from tests import helpers
from tests.helpers import run_settings

TIMING = """
import time
started = time.monotonic()
try:
    {call}
    print("answered")
except Exception as exc:
    print(type(exc).__name__)
print(round(time.monotonic() - started, 1))
"""


@pytest.fixture
def silent_port():
    """A port that accepts connections and never sends a byte."""
    with helpers.silent_port() as port:
        yield port


def outcome(result):
    assert result.returncode == 0, result.stderr
    error, seconds = result.stdout.split()
    return error, float(seconds)


def test_a_silent_postgresql_fails_the_connection_within_the_connect_timeout(
    tmp_path, silent_port
):
    result = run_settings(
        tmp_path,
        TIMING.format(
            call="from django.db import connection; connection.ensure_connection()"
        ),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{silent_port}/clinic",
        DJANGO_DB_CONNECT_TIMEOUT="2",
    )
    error, seconds = outcome(result)
    assert error == "OperationalError"
    assert seconds < 10


def test_postgresql_statements_have_a_server_side_time_limit(tmp_path):
    result = run_settings(
        tmp_path,
        "from django.db import connection\nprint(connection.settings_dict['OPTIONS'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/clinic",
        DJANGO_DB_STATEMENT_TIMEOUT="1500",
    )
    assert result.returncode == 0, result.stderr
    assert "'connect_timeout': 5" in result.stdout
    assert "-c statement_timeout=1500" in result.stdout


def test_a_silent_redis_fails_fast(tmp_path, silent_port):
    result = run_settings(
        tmp_path,
        TIMING.format(call="from django.core.cache import cache; cache.get('k')"),
        CACHE_URL=f"redis://127.0.0.1:{silent_port}/0",
    )
    error, seconds = outcome(result)
    assert error != "answered"
    assert seconds < 3
