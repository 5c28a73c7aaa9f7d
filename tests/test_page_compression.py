"""Public pages go out compressed (brotli, gzip), made once when cached; pages
with a CSRF token or a patient's details never do (BREACH)."""

import gzip
from unittest import mock

import brotli
import pytest
from django.core.cache import cache
from django.test import Client

from clinic_site.pagecache import clear_public_pages
from clinic_site.pagecache.encoding import preferred_encoding
from clinic_site.pagecache.store import lookup
from tests.factories import TreatmentFactory
from tests.helpers import CLOSED_PORT_REDIS

pytestmark = pytest.mark.django_db

PUBLIC_URLS = ["/", "/treatments/", "/treatments/compressed/", "/privacy/"]
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.fixture
def treatment(clinic):
    return TreatmentFactory(name="Compressed therapy", slug="compressed")


def get(client, url, accept_encoding=None, **extra):
    if accept_encoding is not None:
        extra["HTTP_ACCEPT_ENCODING"] = accept_encoding
    return client.get(url, **extra)


def vary(response):
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


@pytest.mark.parametrize("url", PUBLIC_URLS)
@pytest.mark.parametrize("cached", [False, True])
def test_each_encoding_decodes_to_the_same_page(client, treatment, url, cached):
    if cached:
        get(client, url)
    plain = get(client, url)
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain
    assert b"</html>" in plain.content
    for encoding, decode in DECODE.items():
        if not cached:
            clear_public_pages()  # this encoding is the request that stores it
        response = get(client, url, f"{encoding}, identity")
        assert response["Content-Encoding"] == encoding
        assert response["Content-Length"] == str(len(response.content))
        assert len(response.content) < len(plain.content) / 2
        assert decode(response.content) == plain.content
        assert "accept-encoding" in vary(response)
    assert "accept-encoding" in vary(plain)


@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        ("gzip, deflate, br", "br"),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", "br"),
        ("gzip, deflate", "gzip"),
        ("GZIP", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.000, gzip;q=0", ""),
        ("br;q=junk, gzip", "gzip"),
        ("identity", ""),
        ("deflate", ""),
        ("*", ""),
        ("", ""),
    ],
)
def test_brotli_is_preferred_then_gzip(accept_encoding, expected):
    assert preferred_encoding(accept_encoding) == expected


def test_a_page_is_compressed_once_when_cached_not_per_request(client, treatment):
    url = "/treatments/compressed/"
    with (
        mock.patch("brotli.compress", wraps=brotli.compress) as br,
        mock.patch("gzip.compress", wraps=gzip.compress) as gz,
    ):
        for _ in range(3):
            for accept in ("br", "gzip", ""):
                assert get(client, url, accept).status_code == 200
            assert client.head(url, HTTP_ACCEPT_ENCODING="br").status_code == 200
    assert br.call_count == 1
    assert gz.call_count == 1
    # What is stored: every encoding, beside the version it was made under.
    _, version, entry = lookup(url)
    stored_version, bodies, headers = entry
    assert stored_version == version
    assert set(bodies) == {"br", "gzip", ""}
    assert brotli.decompress(bodies["br"]) == bodies[""]
    assert gzip.decompress(bodies["gzip"]) == bodies[""]
    assert "Content-Encoding" not in headers


def test_each_encoding_has_its_own_etag(client, treatment):
    url = "/treatments/compressed/"
    etags = {accept: get(client, url, accept)["ETag"] for accept in ("br", "gzip", "")}
    assert len(set(etags.values())) == 3
    assert etags["br"] == etags[""][:-1] + '-br"'
    assert etags["gzip"] == etags[""][:-1] + '-gzip"'


@pytest.mark.parametrize("encoding", ["br", "gzip", ""])
@pytest.mark.parametrize("cached", [False, True])
def test_if_none_match_answers_304_for_the_same_encoding(
    client, treatment, encoding, cached
):
    url = "/treatments/compressed/"
    etag = get(client, url, encoding)["ETag"]
    if not cached:
        clear_public_pages()  # rendered and compressed afresh: the same ETag
    response = get(client, url, encoding, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert "accept-encoding" in vary(response)
    assert response.content == b""


def test_another_encodings_etag_gets_the_full_page(client, treatment):
    url = "/treatments/compressed/"
    gzip_etag = get(client, url, "gzip")["ETag"]
    response = get(client, url, "br", HTTP_IF_NONE_MATCH=gzip_etag)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"


def test_head_has_the_compressed_length_and_no_body(treatment):
    client = Client()
    url = "/treatments/compressed/"
    page = get(client, url, "br")
    for _ in range(2):  # rendered, then cached
        head = client.head(url, HTTP_ACCEPT_ENCODING="br")
        assert head.status_code == 200
        assert head.content == b""
        assert head["Content-Encoding"] == "br"
        assert head["Content-Length"] == str(len(page.content))
        assert head["ETag"] == page["ETag"]
        clear_public_pages()


@pytest.mark.parametrize("url", ["/enquire/", "/enquire/thanks/", "/admin/login/"])
def test_pages_with_a_csrf_token_or_personal_data_are_never_compressed(
    client, clinic, url
):
    for _ in range(2):
        response = get(client, url, "br, gzip")
        assert response.status_code in (200, 302)
        assert "Content-Encoding" not in response
        assert "accept-encoding" not in vary(response)


def test_signed_in_staff_get_public_pages_uncompressed(admin_client, treatment):
    response = get(admin_client, "/treatments/compressed/", "br, gzip")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Content-Encoding" not in response
    assert b"Compressed therapy" in response.content


def test_an_enquiry_form_sent_back_with_errors_is_not_compressed(client, clinic):
    response = client.post(
        "/enquire/", {"message": "My knee hurts"}, HTTP_ACCEPT_ENCODING="br, gzip"
    )
    assert response.status_code == 200  # the form again, with its errors
    assert b"My knee hurts" in response.content
    assert "Content-Encoding" not in response


def test_with_the_cache_down_pages_are_sent_as_rendered(client, treatment, settings):
    """Without a cache nothing is compressed per request: each page is
    rendered anyway, and compressing every render would cost more CPU."""
    settings.CACHES = CLOSED_PORT_REDIS
    response = get(client, "/treatments/compressed/", "br, gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert b"Compressed therapy" in response.content
    assert "accept-encoding" in vary(response)


def test_an_entry_of_the_old_shape_is_never_read(client, treatment):
    """Entries are keyed by their shape: one stored as (version, bytes,
    headers) under the old key is not found by the new code."""
    url = "/treatments/compressed/"
    _, version, _ = lookup(url)
    old_key = lookup(url)[0].replace("public-page:2:", "public-page:")
    cache.set(old_key, (version, b"old shape", {"ETag": '"x"'}))
    response = get(client, url, "br")
    assert response.status_code == 200
    assert b"Compressed therapy" in brotli.decompress(response.content)
