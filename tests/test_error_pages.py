"""400, 404 and 500 pages render without the database."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.helpers import soup

pytestmark = pytest.mark.django_db


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


def test_400_page_states_the_forms_message_limit(client, django_assert_num_queries):
    """A body over the upload limit gets the 400 page, which quotes the
    longest message the enquiry form accepts (from the model field)."""
    from enquiries.models import Enquiry

    limit = Enquiry._meta.get_field("message").max_length
    with django_assert_num_queries(0):
        response = client.post(
            "/enquire/", {"message": "x" * (2 * 1024 * 1024)}, secure=False
        )
    assert response.status_code == 400
    text = " ".join(soup(response).main.get_text().split())
    assert f"Messages can be up to {limit:,} characters." in text
