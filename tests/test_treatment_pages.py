"""Public pages: home, treatment list, treatment page."""

import datetime

import pytest
from django.conf import settings

from tests.factories import TreatmentFactory, TreatmentPointFactory
from tests.helpers import TREATMENT_PAGE_HEADINGS, soup
from treatments.models import Section, Treatment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/", "/treatments/", "/treatments/dry-needling/", "/enquire/"]
)
def test_public_pages_answer_200_with_one_h1(client, seeded, url):
    response = client.get(url)
    assert response.status_code == 200
    page = soup(response)
    assert len(page.find_all("h1")) == 1
    assert page.html["lang"] == "en-GB"
    assert page.find("main", id="main")
    assert page.find("a", class_="skip-link")["href"] == "#main"
    canonical = page.find("link", rel="canonical")["href"]
    assert canonical == f"{settings.SITE_URL}{url}"
    assert page.find("meta", attrs={"name": "description"})["content"].strip()


def test_home_shows_a_card_per_published_treatment(client, clinic):
    TreatmentFactory(name="Shown", slug="shown")
    TreatmentFactory(name="Hidden", slug="hidden", status=Treatment.Status.DRAFT)
    page = soup(client.get("/"))
    cards = page.select(".treatment-card")
    assert [c.h3.get_text(strip=True) for c in cards] == ["Shown"]
    assert cards[0].h3.a["href"] == "/treatments/shown/"


def test_home_shows_contact_details_and_urgent_notice(client, clinic):
    page = soup(client.get("/"))
    assert page.find("a", href="tel:01632960001").get_text() == "01632 960001"
    assert page.find("a", href="mailto:clinic@test.example")
    notice = page.find(class_="urgent-notice").get_text()
    assert clinic.urgent_care_notice in notice


def test_list_orders_by_display_order_then_name(client, clinic):
    TreatmentFactory(name="Beta", slug="beta", display_order=2)
    TreatmentFactory(name="Alpha", slug="alpha", display_order=2)
    TreatmentFactory(name="Zeta", slug="zeta", display_order=1)
    TreatmentFactory(name="Draft", slug="draft", status=Treatment.Status.DRAFT)
    page = soup(client.get("/treatments/"))
    names = [h.get_text(strip=True) for h in page.select(".treatment-card h2")]
    assert names == ["Zeta", "Alpha", "Beta"]


def test_draft_treatment_is_404_to_the_public(client, clinic):
    TreatmentFactory(slug="secret", status=Treatment.Status.DRAFT)
    assert client.get("/treatments/secret/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/treatments/no-such-thing/",
        "/treatments/%00/",
        "/treatments/../admin/",
        "/treatments/" + "a" * 300 + "/",
    ],
)
def test_unknown_treatment_urls_are_404(client, clinic, path):
    assert client.get(path).status_code == 404


def test_enquire_links_carry_the_slug(client, seeded):
    page = soup(client.get("/treatments/dry-needling/"))
    links = page.find_all("a", string="Enquire about this treatment")
    hrefs = {a["href"] for a in links if "btn" in a.get("class", [])}
    assert hrefs == {"/enquire/?treatment=dry-needling"}


def test_on_this_page_links_point_at_the_sections_in_order(client, seeded):
    page = soup(client.get("/treatments/dry-needling/"))
    contents = page.find("nav", attrs={"aria-labelledby": "contents-heading"})
    targets = [a["href"].lstrip("#") for a in contents.find_all("a")]
    headings = [h["id"] for h in page.main.find_all("h2", id=True)]
    # The "At a glance" box sits above the contents list, not in it.
    furniture = {"contents-heading", "at-a-glance-heading"}
    assert targets == [h for h in headings if h not in furniture]
    assert [
        h.get_text() for h in page.main.select(".treatment-body h2")
    ] == TREATMENT_PAGE_HEADINGS


def test_empty_sections_are_left_out(client, clinic):
    treatment = TreatmentFactory(slug="bare")
    TreatmentPointFactory(treatment=treatment, section=Section.BENEFITS)
    page = soup(client.get("/treatments/bare/"))
    headings = [h.get_text() for h in page.select(".treatment-body h2")]
    assert headings == [
        "Overview",
        "How it works",
        "Benefits",
        "Enquire about this treatment",
    ]


def test_contraindication_is_shown_in_a_safety_callout(client, seeded):
    page = soup(client.get("/treatments/dry-needling/"))
    callout = page.find(class_="callout--caution")
    assert callout.h3.get_text() == "Who should not have this treatment"
    assert "needle phobia" in callout.li.get_text()


def test_review_line_names_the_reviewer_and_both_dates(client, clinic):
    TreatmentFactory(
        slug="reviewed",
        reviewed_by="Dr A. Example, Physiotherapist",
        last_reviewed=datetime.date(2026, 3, 4),
        next_review_due=datetime.date(2099, 3, 4),
    )
    page = soup(client.get("/treatments/reviewed/"))
    line = " ".join(page.find(class_="review-line").get_text().split())
    assert line == (
        "Reviewed by Dr A. Example, Physiotherapist on 4 March 2026"
        " · Next review due 4 March 2099"
    )
    times = page.find(class_="review-line").find_all("time")
    assert [t["datetime"] for t in times] == ["2026-03-04", "2099-03-04"]


def test_related_treatments_show_published_ones_only(client, clinic):
    main = TreatmentFactory(slug="main")
    shown = TreatmentFactory(name="Injection therapy", slug="injections")
    hidden = TreatmentFactory(slug="hidden", status=Treatment.Status.DRAFT)
    main.related.add(shown, hidden)
    page = soup(client.get("/treatments/main/"))
    section = page.find("section", attrs={"aria-labelledby": "related-heading"})
    assert [a["href"] for a in section.select("h3 a")] == ["/treatments/injections/"]


def test_no_related_section_without_related_treatments(client, clinic):
    TreatmentFactory(slug="alone")
    page = soup(client.get("/treatments/alone/"))
    assert page.find(id="related-heading") is None


def test_treatment_page_has_title_description_and_disclaimer(client, seeded):
    response = client.get("/treatments/dry-needling/")
    page = soup(response)
    assert page.title.get_text() == "Dry needling – Example Clinic"
    treatment = Treatment.objects.get(slug="dry-needling")
    assert page.find("meta", attrs={"name": "description"})["content"] == (
        treatment.summary
    )
    assert page.find("meta", property="og:title")["content"] == "Dry needling"
    assert "not advice about your own health" in page.find(class_="disclaimer").text


def test_page_text_is_escaped(client, clinic):
    TreatmentFactory(slug="x", overview="<script>alert(1)</script>")
    response = client.get("/treatments/x/")
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_print_stylesheet_is_linked(client, seeded):
    page = soup(client.get("/treatments/dry-needling/"))
    print_css = page.find("link", media="print")
    assert print_css["href"].endswith("css/print.css")
