"""404 and 500 pages render without the database."""

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
