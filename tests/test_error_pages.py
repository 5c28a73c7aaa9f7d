"""The error pages render without the database."""

import pytest
from django.test import RequestFactory

from clinic_site.errors import permission_denied, server_error
from enquiries.models import Enquiry
from tests.helpers import soup

pytestmark = pytest.mark.django_db

MESSAGE_LIMIT = Enquiry._meta.get_field("message").max_length


def page_text(response):
    return " ".join(soup(response).main.get_text().split())


def test_404_page_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = soup(response)
    assert page.h1.get_text() == "Page not found"
    assert page.find("a", href="/treatments/")


def test_500_page_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    page = soup(response)
    assert page.h1.get_text() == "Sorry, there is a problem with the service"
    assert "111" in page.main.get_text()


def test_403_page_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/admin/")
    with django_assert_num_queries(0):
        response = permission_denied(request, None)
    assert response.status_code == 403
    assert soup(response).h1.get_text() == "You cannot open this page"


def test_413_page_states_the_forms_message_limit(client, django_assert_num_queries):
    """A body over the limit gets the 413 page, which quotes the longest
    message the enquiry form accepts (from the model field)."""
    body = "message=" + "x" * (2 * 1024 * 1024)
    with django_assert_num_queries(0):
        response = client.post(
            "/enquire/", body, content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 413
    assert f"Messages can be up to {MESSAGE_LIMIT:,} characters" in page_text(response)


def test_400_page_states_the_forms_message_limit(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.post(
            "/enquire/",
            "message=Ca%E7a",
            content_type="application/x-www-form-urlencoded; charset=latin-1",
        )
    assert response.status_code == 400
    assert f"Messages can be up to {MESSAGE_LIMIT:,} characters" in page_text(response)


def test_415_page_tells_the_patient_to_go_back(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.post("/enquire/", "--x--", content_type="multipart/form-data")
    assert response.status_code == 415
    assert "what you typed is usually still there" in page_text(response)
