"""Static files after collectstatic: hashed names, gzip + brotli, immutable."""

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic once (compressing takes seconds) with production storage."""
    root = tmp_path_factory.mktemp("static")
    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
        middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
        yield root, staticfiles_storage, middleware


def fetch(middleware, url, encoding="gzip, deflate, br"):
    return middleware(RequestFactory().get(url, HTTP_ACCEPT_ENCODING=encoding))


def test_collectstatic_writes_hashed_gzip_and_brotli_files(collected):
    root, storage, _ = collected
    hashed = storage.stored_name("css/site.css")
    assert hashed != "css/site.css"
    for suffix in ("", ".gz", ".br"):
        assert (root / (hashed + suffix)).is_file()


def test_hashed_files_are_cached_forever_and_served_with_brotli(collected):
    _, storage, middleware = collected
    response = fetch(middleware, storage.url("vendor/bootstrap/bootstrap.min.css"))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "immutable" in cache_control
    assert "max-age=315360000" in cache_control
    assert response["Content-Encoding"] == "br"
    assert fetch(middleware, storage.url("css/site.css"), "gzip")[
        "Content-Encoding"
    ] == ("gzip")


def test_unhashed_names_are_not_immutable(collected):
    _, _, middleware = collected
    response = fetch(middleware, "/static/css/site.css")
    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]
