"""Practitioners: who provides each treatment, /team/, register links, JSON-LD."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError

from practitioners.models import Practitioner
from tests.factories import PractitionerFactory, TreatmentFactory
from tests.helpers import field_errors, post_change, soup

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/practitioners/practitioner/add/"


def json_ld_blocks(response):
    return [
        json.loads(script.string)
        for script in soup(response).find_all("script", type="application/ld+json")
    ]


def test_treatment_page_shows_who_provides_it_with_the_register_link(client, clinic):
    treatment = TreatmentFactory(slug="needling")
    PractitionerFactory(name="Alex Example", treatments=[treatment])
    page = soup(client.get("/treatments/needling/"))
    section = page.find("section", attrs={"aria-labelledby": "who-provides-it"})
    assert section.h2.get_text() == "Who provides this treatment"
    assert section.h3.get_text() == "Alex Example"
    link = section.find("a", href="https://www.hcpc-uk.org/check-the-register/")
    assert "PH123456" in link.get_text()
    contents = page.find("nav", attrs={"aria-labelledby": "contents-heading"})
    assert contents.find("a", href="#who-provides-it")


def test_a_treatment_nobody_provides_has_no_such_section(client, clinic):
    TreatmentFactory(slug="alone")
    PractitionerFactory()  # provides nothing
    page = soup(client.get("/treatments/alone/"))
    assert page.find(id="who-provides-it") is None


def test_never_says_registered_without_a_number(client, clinic):
    PractitionerFactory(name="Sam Unregistered", regulator="", registration_number="")
    page = soup(client.get("/team/"))
    card = page.select_one(".practitioner-card")
    assert "Registered" not in card.get_text()
    assert card.find("a", href=lambda h: h and h.startswith("https://")) is None


def test_database_refuses_a_regulator_without_a_number():
    with pytest.raises(ValidationError):
        Practitioner(
            name="X", profession="nurse", regulator="NMC", registration_number=""
        ).full_clean()


def test_team_page_lists_each_practitioner_with_their_published_treatments(
    client, clinic
):
    shown = TreatmentFactory(name="Dry needling", slug="dn")
    draft = TreatmentFactory(name="Secret", slug="secret", status="draft")
    PractitionerFactory(name="B Example", display_order=2, treatments=[shown, draft])
    PractitionerFactory(name="A Example", display_order=1)
    response = client.get("/team/")
    page = soup(response)
    assert page.h1.get_text() == "Our team"
    names = [h.get_text() for h in page.select(".practitioner-card h2")]
    assert names == ["A Example", "B Example"]
    assert page.find("a", href="/treatments/dn/")
    assert page.find("a", href="/treatments/secret/") is None


def test_team_json_ld_is_person_with_credential(client, clinic):
    PractitionerFactory(name="Alex Example")
    (block,) = json_ld_blocks(client.get("/team/"))
    (person,) = block["mainEntity"]["itemListElement"]
    assert person["@type"] == "Person"
    credential = person["hasCredential"]
    assert credential["identifier"] == "PH123456"
    assert credential["url"] == "https://www.hcpc-uk.org/check-the-register/"
    assert person["worksFor"]["name"] == clinic.name


def test_treatment_json_ld_mentions_the_practitioners_escaped(client, clinic):
    treatment = TreatmentFactory(slug="esc")
    PractitionerFactory(name="</script><b>x</b>", treatments=[treatment])
    response = client.get("/treatments/esc/")
    assert b"</script><b>" not in response.content
    (page,) = [b for b in json_ld_blocks(response) if b["@type"] == "MedicalWebPage"]
    assert page["mentions"][0]["name"] == "</script><b>x</b>"
    assert "&lt;/script&gt;&lt;b&gt;" in response.content.decode()  # the card


def test_other_register_uses_the_address_staff_gave(client, clinic):
    PractitionerFactory(
        regulator="other",
        registration_number="ABC123",
        other_register_url="https://register.example.org/",
    )
    page = soup(client.get("/team/"))
    assert page.find("a", href="https://register.example.org/")


def add_form(**changes):
    data = {
        "name": "Alex Example",
        "profession": "physiotherapist",
        "regulator": "HCPC",
        "registration_number": "PH123456",
        "other_register_url": "",
        "register_checked_on": "",
        "photo_alt": "",
        "bio": "",
        "display_order": "0",
    }
    data.update(changes)
    return data


def test_admin_stores_a_number_with_spaces_and_lower_case_as_the_register_does(
    admin_client,
):
    response = admin_client.post(ADD_URL, add_form(registration_number=" ph 123 456 "))
    assert response.status_code == 302
    assert Practitioner.objects.get().registration_number == "PH123456"


@pytest.mark.parametrize("number", ["PH-123", "P1", "<script>", "PH1234567890123"])
def test_admin_refuses_a_number_that_is_not_letters_and_digits(admin_client, number):
    response = admin_client.post(ADD_URL, add_form(registration_number=number))
    assert response.status_code == 200
    assert field_errors(response, "registration_number")
    assert not Practitioner.objects.exists()


def test_admin_refuses_another_register_without_its_address(admin_client):
    response = admin_client.post(ADD_URL, add_form(regulator="other"))
    assert field_errors(response, "other_register_url")


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://register.example.org/", "data:text/html,x"]
)
def test_admin_refuses_a_register_address_that_is_not_a_web_page(admin_client, url):
    response = admin_client.post(
        ADD_URL, add_form(regulator="other", other_register_url=url)
    )
    assert response.status_code == 200
    assert field_errors(response, "other_register_url")


def test_admin_refuses_a_register_check_in_the_future(admin_client):
    future = datetime.date.today() + datetime.timedelta(days=30)
    response = admin_client.post(
        ADD_URL, add_form(register_checked_on=future.isoformat())
    )
    assert field_errors(response, "register_checked_on")


def test_hostile_text_in_every_field_is_stored_and_shown_escaped(admin_client, client):
    hostile = '<img src=x onerror="alert(1)">'
    response = admin_client.post(ADD_URL, add_form(name=hostile, bio=hostile))
    assert response.status_code == 302
    page = client.get("/team/")
    assert hostile.encode() not in page.content
    assert soup(page).select_one(".practitioner-card h2").get_text() == hostile


def test_a_change_in_admin_is_kept_in_history_and_clears_the_cached_team_page(
    admin_client, client, clinic, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    practitioner = PractitionerFactory(name="Before Example")
    assert b"Before Example" in client.get("/team/").content
    response = post_change(admin_client, practitioner, name="After Example")
    assert response.status_code == 302
    assert b"After Example" in client.get("/team/").content
    from reversion.models import Version

    assert Version.objects.get_for_object(practitioner).count() == 1


def test_content_editors_may_edit_practitioners():
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="Content editors").permissions.values_list(
            "codename", flat=True
        )
    )
    assert {
        "add_practitioner",
        "change_practitioner",
        "add_treatmentquestion",
        "add_treatmentsource",
    } <= codenames
