"""Public pages come from the shared cache and are cleared when content changes."""

import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clinic.models import ClinicDetails
from clinic_site.pagecache import clear_public_pages
from clinic_site.pagecache.store import RETRY_AFTER_SECONDS
from tests.factories import TreatmentFactory, TreatmentPointFactory
from tests.helpers import (
    CLOSED_PORT_REDIS,
    TREATMENT_CHANGELIST,
    BrowserClient,
    approve_waiting,
    inline_prefix,
    post_change,
    soup,
)
from treatments.models import Section, Treatment, TreatmentPoint

pytestmark = pytest.mark.django_db

PUBLIC_URLS = ["/", "/treatments/", "/treatments/cached/", "/privacy/"]


@pytest.fixture
def treatment(clinic):
    return TreatmentFactory(name="Cached therapy", slug="cached")


def get_counting(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    return response, len(ctx.captured_queries)


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_second_visit_is_served_from_the_cache_without_queries(client, treatment, url):
    first, first_queries = get_counting(client, url)
    second, second_queries = get_counting(client, url)
    assert first.status_code == second.status_code == 200
    assert first_queries > 0
    assert second_queries == 0
    assert second.content == first.content


def test_query_strings_share_the_cached_page(client, treatment):
    client.get("/treatments/cached/")
    _, queries = get_counting(client, "/treatments/cached/?utm_source=x")
    assert queries == 0


def test_clear_public_pages_renders_afresh(client, treatment):
    client.get("/treatments/")
    clear_public_pages()
    _, queries = get_counting(client, "/treatments/")
    assert queries > 0


# Invalidation: each kind of staff change shows at once -----------------------


def test_editing_a_point_shows_on_the_treatment_page_at_once(client, treatment):
    point = TreatmentPointFactory(treatment=treatment, text="Old benefit")
    assert "Old benefit" in client.get("/treatments/cached/").content.decode()
    point.text = "New benefit"
    point.save()
    page = client.get("/treatments/cached/").content.decode()
    assert "New benefit" in page
    assert "Old benefit" not in page


def test_adding_and_deleting_a_point_shows_at_once(client, treatment):
    client.get("/treatments/cached/")
    point = TreatmentPointFactory(treatment=treatment, text="Brand new point")
    assert "Brand new point" in client.get("/treatments/cached/").content.decode()
    point.delete()
    assert "Brand new point" not in client.get("/treatments/cached/").content.decode()


@pytest.mark.parametrize("url", ["/", "/treatments/", "/treatments/cached/"])
def test_renaming_a_treatment_shows_everywhere_at_once(client, treatment, url):
    assert "Cached therapy" in client.get(url).content.decode()
    treatment.name = "Renamed therapy"
    treatment.save()
    page = client.get(url).content.decode()
    assert "Renamed therapy" in page
    assert "Cached therapy" not in page


def test_unpublishing_a_treatment_takes_it_down_at_once(client, treatment):
    assert client.get("/treatments/cached/").status_code == 200
    treatment.status = Treatment.Status.DRAFT
    treatment.save()
    assert client.get("/treatments/cached/").status_code == 404
    assert "Cached therapy" not in client.get("/treatments/").content.decode()


def test_deleting_a_treatment_takes_it_off_the_list_at_once(client, treatment):
    assert "Cached therapy" in client.get("/treatments/").content.decode()
    treatment.delete()
    assert "Cached therapy" not in client.get("/treatments/").content.decode()


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_editing_clinic_details_shows_on_every_page_at_once(client, treatment, url):
    client.get(url)
    clinic = ClinicDetails.load()
    clinic.phone = "01632 969999"
    clinic.save()
    assert "01632 969999" in client.get(url).content.decode()


def test_adding_and_removing_a_related_treatment_shows_at_once(client, treatment):
    other = TreatmentFactory(name="Complementary therapy", slug="other")
    assert (
        "Complementary therapy"
        not in client.get("/treatments/cached/").content.decode()
    )
    treatment.related.add(other)
    assert "Complementary therapy" in client.get("/treatments/cached/").content.decode()
    treatment.related.remove(other)
    assert (
        "Complementary therapy"
        not in client.get("/treatments/cached/").content.decode()
    )
    treatment.related.add(other)
    client.get("/treatments/cached/")
    treatment.related.clear()
    assert (
        "Complementary therapy"
        not in client.get("/treatments/cached/").content.decode()
    )


def test_changes_without_signals_wait_for_clear_public_pages(client, treatment):
    """Bulk updates bypass the signals (a known limit): the cached page stays
    until clear_public_pages(), which a bulk script must call."""
    client.get("/treatments/cached/")
    Treatment.objects.filter(pk=treatment.pk).update(name="Bulk renamed")
    assert "Bulk renamed" not in client.get("/treatments/cached/").content.decode()
    clear_public_pages()
    assert "Bulk renamed" in client.get("/treatments/cached/").content.decode()


# Staff ------------------------------------------------------------------------


def test_signed_in_staff_never_get_the_cached_page(admin_client, client, treatment):
    client.get("/treatments/cached/")  # an anonymous visit fills the cache
    Treatment.objects.filter(pk=treatment.pk).update(name="Unsaved in cache")
    staff_page = admin_client.get("/treatments/cached/")
    assert "Unsaved in cache" in staff_page.content.decode()
    assert "no-store" in staff_page["Cache-Control"]
    assert "private" in staff_page["Cache-Control"]
    assert "public" not in staff_page["Cache-Control"]
    # ... and the anonymous visitor still gets the cached page.
    assert "Unsaved in cache" not in client.get("/treatments/cached/").content.decode()


def test_signed_in_staff_never_fill_the_cache(admin_client, client, treatment):
    admin_client.get("/treatments/cached/")
    _, queries = get_counting(client, "/treatments/cached/")
    assert queries > 0


# HTTP caching -----------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_are_publicly_cacheable_briefly(client, treatment, url, settings):
    response = client.get(url)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", f"max-age={settings.PUBLIC_PAGE_MAX_AGE}"}
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")


@pytest.mark.parametrize("cached", [False, True])
def test_if_none_match_answers_304(client, treatment, cached):
    etag = client.get("/treatments/cached/")["ETag"]
    if not cached:
        clear_public_pages()
    response = client.get("/treatments/cached/", HTTP_IF_NONE_MATCH=etag)
    # Rendered afresh or not, the same content has the same ETag.
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_if_modified_since_answers_304(client, treatment):
    last_modified = client.get("/treatments/cached/")["Last-Modified"]
    response = client.get("/treatments/cached/", HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 304


def test_changed_content_answers_200_to_an_old_etag(client, treatment):
    etag = client.get("/treatments/cached/")["ETag"]
    TreatmentPointFactory(treatment=treatment, text="Something new")
    response = client.get("/treatments/cached/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_anonymous_public_pages_set_no_cookie_and_do_not_vary_on_it(treatment, url):
    client = Client()
    for _ in range(2):  # rendered, then cached
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert not response.cookies
        assert "cookie" not in response.get("Vary", "").lower()


def test_a_response_that_sets_a_cookie_is_never_public(treatment):
    # A stale or forged cookie makes Django set a fresh one; a CDN honouring
    # `public` would then hand that cookie to every visitor.
    client = Client()
    client.cookies["sessionid"] = "garbage"
    client.cookies["csrftoken"] = "abc"
    response = client.get("/treatments/cached/")
    assert response.status_code == 200
    assert response.cookies
    cache_control = response["Cache-Control"]
    assert "public" not in cache_control
    assert "private" in cache_control
    assert "no-store" in cache_control


@pytest.mark.parametrize("url", ["/enquire/", "/enquire/thanks/"])
def test_enquiry_pages_are_never_stored(client, clinic, url):
    cache_control = client.get(url)["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def test_enquiry_form_is_never_cached_and_gets_its_csrf_token(client, treatment):
    for _ in range(2):
        response = client.get("/enquire/")
        assert "public" not in response.get("Cache-Control", "")
        assert "csrftoken" in response.cookies
        assert soup(response).find("input", attrs={"name": "csrfmiddlewaretoken"})
    _, queries = get_counting(client, "/enquire/")
    assert queries > 0


@pytest.mark.parametrize(
    "url", PUBLIC_URLS + ["/sitemap.xml", "/robots.txt", "/healthz/"]
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_cached_pages_allow_only_get_and_head(treatment, url, method):
    # With CSRF enforced, as a browser meets it: 405, not the CSRF 403.
    client = BrowserClient(enforce_csrf_checks=True)
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_head_is_answered(client, treatment):
    assert client.head("/treatments/cached/").status_code == 200


def test_404_is_not_cached(client, clinic):
    client.get("/treatments/not-yet/")
    TreatmentFactory(slug="not-yet", status=Treatment.Status.DRAFT)
    Treatment.objects.filter(slug="not-yet").update(status="published")
    assert client.get("/treatments/not-yet/").status_code == 200


# The cache down ---------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS + ["/sitemap.xml"])
def test_pages_are_served_uncached_when_redis_is_down(client, treatment, settings, url):
    settings.CACHES = CLOSED_PORT_REDIS
    started = time.monotonic()
    response = client.get(url)
    assert response.status_code == 200
    assert time.monotonic() - started < 10


def test_staff_can_save_content_when_redis_is_down(treatment, settings, caplog):
    settings.CACHES = CLOSED_PORT_REDIS
    TreatmentPoint.objects.create(
        treatment=treatment, section=Section.BENEFITS, text="Saved", order=1
    )
    assert TreatmentPoint.objects.filter(text="Saved").exists()
    assert "Public page cache not cleared" in caplog.text


def test_a_page_rendered_under_an_older_version_is_never_served(client, treatment):
    """A render that raced a content change is stored under the old version
    and ignored: the entry's version must match the current one."""
    from clinic_site.pagecache.store import page_key

    headers = {"Content-Type": "text/html; charset=utf-8", "ETag": '"x"'}
    cache.set(page_key("/treatments/cached/"), ("old", {"": b"stale page"}, headers))
    response = client.get("/treatments/cached/")
    assert b"stale page" not in response.content
    assert b"Cached therapy" in response.content


def test_after_a_cache_error_the_cache_is_left_alone_for_a_while(
    client, treatment, settings
):
    """A Redis that times out would slow every page; after one error the
    page cache is skipped for RETRY_AFTER_SECONDS, then tried again."""
    settings.CACHES = CLOSED_PORT_REDIS
    calls = []
    real_get_many = cache.get_many

    def counting_get_many(*args, **kwargs):
        calls.append(args)
        return real_get_many(*args, **kwargs)

    with mock.patch.object(cache, "get_many", counting_get_many):
        for _ in range(3):
            assert client.get("/treatments/cached/").status_code == 200
        assert len(calls) == 1
        with mock.patch(
            "clinic_site.pagecache.store.time.monotonic",
            return_value=time.monotonic() + RETRY_AFTER_SECONDS + 1,
        ):
            assert client.get("/treatments/cached/").status_code == 200
        assert len(calls) == 2


# The same through admin, as staff really change content -----------------------


def test_admin_edits_and_actions_reach_cached_pages_at_once(admin_client, treatment):
    visitor = Client()
    point = TreatmentPointFactory(treatment=treatment, text="Old benefit")
    assert "Old benefit" in visitor.get("/treatments/cached/").text  # now cached

    prefix = inline_prefix(point.section)
    changes = {f"{prefix}-0-text": "New benefit"}
    assert post_change(admin_client, treatment, **changes).status_code == 302
    assert "Old benefit" in visitor.get("/treatments/cached/").text  # not approved
    approve_waiting(treatment)
    page = visitor.get("/treatments/cached/").text
    assert "New benefit" in page
    assert "Old benefit" not in page
    assert visitor.get("/treatments/").status_code == 200  # cached again

    admin_client.post(
        TREATMENT_CHANGELIST,
        {"action": "unpublish", "_selected_action": [treatment.pk]},
    )
    assert visitor.get("/treatments/cached/").status_code == 404
    assert "Cached therapy" not in visitor.get("/treatments/").text


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_page_from_the_cache_carries_every_security_header(client, treatment, url):
    rendered = client.get(url)
    cached, queries = get_counting(client, url)
    assert queries == 0
    for header in (
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Cache-Control",
        "ETag",
        "Content-Type",
    ):
        assert cached[header] == rendered[header], header
    # Each response has its own request id, never one stored with the page.
    assert cached["X-Request-ID"] != rendered["X-Request-ID"]


def test_clear_public_pages_command_renders_afresh(client, treatment):
    from io import StringIO

    from django.core.management import call_command

    client.get("/treatments/cached/")
    out = StringIO()
    call_command("clear_public_pages", stdout=out)
    assert "rendered afresh" in out.getvalue()
    _, queries = get_counting(client, "/treatments/cached/")
    assert queries > 0


def test_a_disallowed_host_gets_400_even_for_a_cached_page(client, treatment):
    assert client.get("/treatments/cached/").status_code == 200  # now cached
    response = client.get("/treatments/cached/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Content-Security-Policy" in response
    assert "Permissions-Policy" in response


def test_a_revalidation_after_a_change_fills_the_cache(client, treatment):
    etag = client.get("/treatments/cached/")["ETag"]
    clear_public_pages()  # e.g. a deploy: same content, cache emptied
    response = client.get("/treatments/cached/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    _, queries = get_counting(client, "/treatments/cached/")
    assert queries == 0


def test_not_modified_carries_the_pages_security_headers(client, treatment):
    page = client.get("/treatments/cached/")
    response = client.get("/treatments/cached/", HTTP_IF_NONE_MATCH=page["ETag"])
    assert response.status_code == 304
    for header in ("Content-Security-Policy", "Permissions-Policy", "ETag"):
        assert response[header] == page[header]
    assert "Content-Length" not in response


def test_last_modified_is_when_the_content_changed_not_when_it_rendered(
    client, treatment
):
    first = client.get("/treatments/cached/")["Last-Modified"]
    later = time.time() + 10
    with mock.patch("clinic_site.pagecache.store.time.time", return_value=later):
        TreatmentPointFactory(treatment=treatment, text="Changed")
    response = client.get("/treatments/cached/", HTTP_IF_MODIFIED_SINCE=first)
    assert response.status_code == 200
    assert "Changed" in response.content.decode()
    assert response["Last-Modified"] != first


def test_head_from_the_cache_has_the_pages_length_and_no_body(treatment):
    client = Client()
    page = client.get("/treatments/cached/")
    head = client.head("/treatments/cached/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(page.content))


def test_pages_of_another_build_are_not_served(client, treatment, settings):
    client.get("/treatments/cached/")
    _, queries = get_counting(client, "/treatments/cached/")
    assert queries == 0
    settings.BUILD_ID = "next-release"
    _, queries = get_counting(client, "/treatments/cached/")
    assert queries > 0  # rendered afresh, not the old build's page


@pytest.mark.parametrize(
    ("setting", "value"),
    [("PERMISSIONS_POLICY", {"camera": []}), ("PUBLIC_PAGE_MAX_AGE", 5)],
)
def test_pages_stored_with_other_header_settings_are_not_served(
    client, treatment, settings, setting, value
):
    client.get("/treatments/cached/")
    setattr(settings, setting, value)
    _, queries = get_counting(client, "/treatments/cached/")
    assert queries > 0  # rendered afresh, with the new headers
