"""/visit/: address, hours, getting here and access; the footer links to it."""

import pytest

from tests.helpers import field_errors, post_change, soup

pytestmark = pytest.mark.django_db


def test_visit_page_shows_address_hours_and_the_access_staff_filled_in(client, clinic):
    clinic.step_free_access = "Ramp at the front door"
    clinic.parking = "Two Blue Badge spaces"
    clinic.map_url = "https://maps.example.org/clinic"
    clinic.save()
    page = soup(client.get("/visit/"))
    assert page.h1.get_text() == "Visit us"
    text = " ".join(page.main.get_text().split())
    assert "2 Test Road" in text
    assert "Monday to Friday: 9am to 5pm" in text
    assert "Ramp at the front door" in text
    assert "Two Blue Badge spaces" in text
    assert page.main.find("a", href="https://maps.example.org/clinic")
    # Unfilled facts are left out; no embedded map.
    assert "Hearing loop" not in text
    assert page.find("iframe") is None


def test_every_page_footer_links_to_visit_and_team(client, clinic):
    footer = soup(client.get("/")).find("footer", class_="site-footer")
    assert footer.find("a", href="/visit/")
    assert footer.find("a", href="/team/")


@pytest.mark.parametrize("url", ["/", "/visit/", "/treatments/"])
def test_public_pages_never_print_placeholder(client, seeded, url):
    from clinic.models import ClinicDetails

    clinic = ClinicDetails.load()
    # An install loaded from the earlier fixture still has the line.
    clinic.address = "PLACEHOLDER – edit in admin\n" + clinic.address
    clinic.save()
    assert b"PLACEHOLDER" not in client.get(url).content


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x"])
def test_admin_refuses_a_map_link_that_is_not_a_web_page(admin_client, clinic, url):
    response = post_change(admin_client, clinic, map_url=url)
    assert response.status_code == 200
    assert field_errors(response, "map_url")


def test_hostile_access_text_is_shown_escaped(admin_client, client, clinic):
    hostile = "<script>alert(1)</script>"
    response = post_change(
        admin_client, clinic, hearing_loop=hostile, how_to_get_here=hostile
    )
    assert response.status_code == 302
    page = client.get("/visit/")
    assert hostile.encode() not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
