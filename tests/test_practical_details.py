"""Practical details, the "At a glance" box, questions and sources."""

import json

import pytest

from tests.factories import TreatmentFactory, TreatmentPointFactory
from tests.helpers import approve_waiting, field_errors, post_change, soup
from treatments.models import Section, TreatmentQuestion, TreatmentSource

pytestmark = pytest.mark.django_db


def glance(response):
    return soup(response).select_one(".at-a-glance")


def test_at_a_glance_comes_before_the_contents_with_the_safety_point(client, seeded):
    page = soup(client.get("/treatments/dry-needling/"))
    box = page.select_one(".page-intro .at-a-glance")
    assert box is not None
    # Directly under the title and summary, before "On this page".
    assert box.find_previous("p", class_="lead") is not None
    assert box.find_next("nav", attrs={"aria-labelledby": "contents-heading"})
    cautions = [li.get_text() for li in box.select(".at-a-glance__caution li")]
    assert cautions == [
        "Treatment is not suitable for patients with needle phobia, bleeding "
        "disorders, or on certain blood-thinning medications"
    ]
    facts = dict(
        zip(
            [dt.get_text() for dt in box.find_all("dt")],
            [" ".join(dd.get_text().split()) for dd in box.find_all("dd")],
            strict=True,
        )
    )
    assert facts["Appointment"] == "30 minutes"
    assert facts["Price"].startswith("£50 per appointment; first appointment £65")
    # The full section keeps its own callout.
    callout = page.select_one("#side-effects").find_parent("section")
    assert callout.select_one(".callout--caution")


def test_box_shows_only_what_is_filled_in(client, clinic):
    treatment = TreatmentFactory(slug="bare")
    TreatmentPointFactory(
        treatment=treatment, section=Section.INDICATIONS, text="Knees"
    )
    box = glance(client.get("/treatments/bare/"))
    assert [dt.get_text() for dt in box.find_all("dt")] == ["What it treats"]
    assert box.select_one(".at-a-glance__caution") is None
    assert soup(client.get("/treatments/bare/")).find(id="practical-details") is None


def test_plain_words_replace_the_points_in_the_box(client, clinic):
    treatment = TreatmentFactory(slug="plain", treats_in_plain_words="Sore muscles")
    TreatmentPointFactory(
        treatment=treatment, section=Section.INDICATIONS, text="Knees"
    )
    box = glance(client.get("/treatments/plain/"))
    assert box.find("dd").get_text() == "Sore muscles"


def test_practical_details_section_with_referral_and_what_to_bring(client, clinic):
    TreatmentFactory(
        slug="p",
        price="40.50",
        price_note="Example insurer accepted",
        gp_referral="not_needed",
        what_to_bring="Shorts",
    )
    section = soup(client.get("/treatments/p/")).find(id="practical-details").parent
    text = " ".join(section.get_text().split())
    assert "£40.50 per appointment" in text
    assert "Example insurer accepted" in text
    assert "No GP referral needed" in text
    assert "Shorts" in text


def test_questions_are_headings_listed_in_the_contents_without_faq_markup(
    client, clinic
):
    treatment = TreatmentFactory(slug="q")
    TreatmentQuestion.objects.create(
        treatment=treatment, question="Second?", answer="B", order=2
    )
    TreatmentQuestion.objects.create(
        treatment=treatment, question="Does it hurt?", answer="A", order=1
    )
    response = client.get("/treatments/q/")
    page = soup(response)
    section = page.find(id="questions").parent
    assert [h.get_text() for h in section.find_all("h3")] == [
        "Does it hurt?",
        "Second?",
    ]
    assert page.find("nav", attrs={"aria-labelledby": "contents-heading"}).find(
        "a", href="#questions"
    )
    assert b"FAQPage" not in response.content


def test_sources_are_a_numbered_list_and_the_pages_citation(client, clinic):
    treatment = TreatmentFactory(slug="s", evidence_summary="Some evidence.")
    TreatmentSource.objects.create(
        treatment=treatment,
        title="A </script> trial",
        publisher="Example Journal",
        year=2024,
        url="https://example.org/trial",
    )
    response = client.get("/treatments/s/")
    page = soup(response)
    item = page.select_one("ol.source-list li")
    assert item.a["href"] == "https://example.org/trial"
    assert "Example Journal, 2024" in item.get_text()
    blocks = [
        json.loads(s.string)
        for s in page.find_all("script", type="application/ld+json")
    ]
    (web_page,) = [b for b in blocks if b["@type"] == "MedicalWebPage"]
    assert web_page["citation"][0]["name"] == "A </script> trial"
    assert b"A </script> trial" not in response.content


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "-1"),
        ("price", "1000000"),
        ("price", "abc"),
        ("first_appointment_price", "-0.01"),
        ("appointment_minutes", "-5"),
        ("appointment_minutes", "100000"),
        ("appointment_minutes", "0"),
        ("gp_referral", "maybe"),
    ],
)
def test_admin_refuses_impossible_practical_details(admin_client, field, value):
    treatment = TreatmentFactory()
    response = post_change(admin_client, treatment, **{field: value})
    assert response.status_code == 200
    assert field_errors(response, field)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/x", "data:text/html,x", "x y"]
)
def test_admin_refuses_a_source_link_that_is_not_a_web_page(admin_client, url):
    treatment = TreatmentFactory()
    prefix = "sources"
    response = post_change(
        admin_client,
        treatment,
        **{
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-title": "T",
            f"{prefix}-0-url": url,
            f"{prefix}-0-order": "0",
        },
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not TreatmentSource.objects.exists()


def test_hostile_text_in_the_new_fields_is_shown_escaped(admin_client, client):
    hostile = '<img src=x onerror="alert(1)">'
    treatment = TreatmentFactory(slug="hostile")
    response = post_change(
        admin_client,
        treatment,
        treats_in_plain_words=hostile,
        usual_sessions=hostile[:50],
        price="10",
        price_note=hostile,
        what_to_bring=hostile,
        evidence_summary=hostile,
        **{
            "questions-TOTAL_FORMS": "1",
            "questions-0-question": hostile,
            "questions-0-answer": hostile,
            "questions-0-order": "1",
            "sources-TOTAL_FORMS": "1",
            "sources-0-title": hostile,
            "sources-0-publisher": hostile,
            "sources-0-url": "https://example.org/",
            "sources-0-order": "1",
        },
    )
    assert response.status_code == 302
    approve_waiting(treatment)
    page = client.get("/treatments/hostile/")
    assert b"<img src=x" not in page.content
    assert page.content.decode().count("&lt;img src=x") >= 8
