"""Settings come from the environment; production refuses to start half-set."""

from tests.helpers import run_settings


def test_production_without_secret_key_fails_loudly(tmp_path):
    result = run_settings(
        tmp_path, "print('started')", DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="x"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


def test_production_without_allowed_hosts_fails_loudly(tmp_path):
    result = run_settings(
        tmp_path, "print('started')", DJANGO_ENV="production", DJANGO_SECRET_KEY="k"
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_both_set(tmp_path):
    result = run_settings(
        tmp_path,
        "print(settings.DEBUG, settings.ALLOWED_HOSTS)",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="a-long-test-secret",
        DJANGO_ALLOWED_HOSTS="clinic.example,www.clinic.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['clinic.example', 'www.clinic.example']"


def test_unknown_environment_name_is_refused(tmp_path):
    result = run_settings(tmp_path, "print('started')", DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV" in result.stderr


def test_local_needs_no_variables_and_keeps_its_generated_key(tmp_path):
    code = (
        "print(settings.SECRET_KEY, settings.DEBUG, "
        "settings.DATABASES['default']['ENGINE'])"
    )
    first = run_settings(tmp_path, code)
    second = run_settings(tmp_path, code)
    assert first.returncode == 0, first.stderr
    key, debug, engine = first.stdout.split()
    assert len(key) >= 50
    assert debug == "False"
    assert engine == "django.db.backends.sqlite3"
    assert second.stdout == first.stdout
    assert (tmp_path / "secret_key").read_text().strip() == key
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_debug_comes_from_the_environment(tmp_path):
    result = run_settings(tmp_path, "print(settings.DEBUG)", DJANGO_DEBUG="true")
    assert result.stdout.strip() == "True"


def test_postgres_and_redis_urls_switch_to_the_shared_services(tmp_path):
    """psycopg 3 with persistent, health-checked connections; Django's own
    RedisCache with short timeouts (a down Redis must not stall pages)."""
    result = run_settings(
        tmp_path,
        "d = settings.DATABASES['default']; c = settings.CACHES['default']; "
        "print(d['ENGINE'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']); "
        "print(c['BACKEND'], c['LOCATION'], sorted(c['OPTIONS'].items()))",
        DATABASE_URL="postgres://u:p@db.internal:5432/clinic",
        CACHE_URL="redis://cache.internal:6379/0",
        DJANGO_CONN_MAX_AGE="120",
    )
    assert result.returncode == 0, result.stderr
    database, cache = result.stdout.splitlines()
    assert database == "django.db.backends.postgresql 120 True"
    assert cache == (
        "django.core.cache.backends.redis.RedisCache redis://cache.internal:6379/0 "
        "[('socket_connect_timeout', 0.5), ('socket_timeout', 0.5)]"
    )


def test_the_default_cache_is_shared_by_every_worker_on_the_host(tmp_path):
    result = run_settings(
        tmp_path,
        "c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.filebased.FileBasedCache",
        str(tmp_path / "cache"),
    ]


def test_the_build_id_comes_from_the_deploy(tmp_path):
    result = run_settings(
        tmp_path, "print(settings.BUILD_ID)", DJANGO_BUILD_ID="abc123"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "abc123"


def test_the_build_id_defaults_to_the_projects_version(tmp_path):
    import tomllib

    from django.conf import settings

    version = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())[
        "project"
    ]["version"]
    result = run_settings(tmp_path, "print(settings.BUILD_ID)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == version


def test_a_secret_key_starting_with_a_dollar_sign_is_used_as_it_is(tmp_path):
    key = "$ecret-key-with-$-signs-" + "x" * 30
    result = run_settings(
        tmp_path,
        "print(settings.SECRET_KEY)",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=key,
        DJANGO_ALLOWED_HOSTS="clinic.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key
