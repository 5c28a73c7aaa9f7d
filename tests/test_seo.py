"""Search engines: sitemap, robots.txt, meta tags, schema.org JSON-LD."""

import datetime
import json
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from tests.factories import TreatmentFactory, TreatmentPointFactory
from tests.helpers import soup
from treatments.models import Section, Treatment

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def json_ld(response):
    """The page's JSON-LD blocks but its BreadcrumbList (test_conditions.py)."""
    blocks = [
        json.loads(tag.string)
        for tag in soup(response).find_all("script", type="application/ld+json")
    ]
    return [block for block in blocks if block["@type"] != "BreadcrumbList"]


# Sitemap and robots.txt --------------------------------------------------------


def test_sitemap_lists_public_pages_and_published_treatments(client, clinic, settings):
    settings.SITE_URL = "https://clinic.example"
    TreatmentFactory(slug="shown")
    TreatmentFactory(slug="hidden", status=Treatment.Status.DRAFT)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    urls = {
        url.find("sm:loc", SITEMAP_NS).text: url.find("sm:lastmod", SITEMAP_NS)
        for url in root.findall("sm:url", SITEMAP_NS)
    }
    assert set(urls) == {
        "https://clinic.example/",
        "https://clinic.example/treatments/",
        "https://clinic.example/conditions/",
        "https://clinic.example/team/",
        "https://clinic.example/visit/",
        "https://clinic.example/privacy/",
        "https://clinic.example/treatments/shown/",
    }
    shown = Treatment.objects.get(slug="shown")
    lastmod = urls["https://clinic.example/treatments/shown/"].text
    assert datetime.date.fromisoformat(lastmod[:10]) == shown.updated_at.date()


def test_robots_txt_names_the_sitemap_and_keeps_out_of_admin(client, settings):
    settings.SITE_URL = "https://clinic.example"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: https://clinic.example/sitemap.xml" in lines


def test_robots_txt_never_publishes_a_custom_admin_url(client, settings):
    settings.ADMIN_URL = "staff-only-7f3/"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    text = response.content.decode()
    assert "User-agent: *" in text.splitlines()
    assert "staff-only-7f3" not in text
    assert "Disallow: /admin/" not in text.splitlines()


def test_admin_pages_ask_not_to_be_indexed(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "X-Robots-Tag" not in client.get("/robots.txt")


def test_sitemap_pages_that_do_not_exist_are_404(client, clinic):
    assert client.get("/sitemap.xml?p=2").status_code == 404
    assert client.get("/sitemap.xml?p=abc").status_code == 404


# Meta tags ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/treatments/", "/treatments/dry-needling/", "/privacy/", "/enquire/"],
)
def test_every_page_has_canonical_description_open_graph_and_twitter_card(
    client, seeded, url
):
    page = soup(client.get(url))
    canonical = page.find("link", rel="canonical")["href"]
    assert canonical == settings.SITE_URL + url
    assert page.find("meta", attrs={"name": "description"})["content"].strip()
    for prop in ("og:title", "og:description", "og:type", "og:url", "og:site_name"):
        assert page.find("meta", property=prop)["content"].strip(), prop
    assert page.find("meta", property="og:url")["content"] == canonical
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"


def test_treatment_page_og_tags_describe_the_treatment(client, seeded):
    page = soup(client.get("/treatments/dry-needling/"))
    treatment = Treatment.objects.get(slug="dry-needling")
    assert page.find("meta", property="og:title")["content"] == treatment.name
    assert page.find("meta", property="og:description")["content"] == (
        treatment.summary
    )
    assert page.find("meta", property="og:type")["content"] == "article"


# JSON-LD -----------------------------------------------------------------------


def test_home_has_a_medical_clinic(client, clinic):
    (data,) = json_ld(client.get("/"))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalClinic"
    assert data["name"] == clinic.name
    assert data["telephone"] == clinic.phone
    assert data["address"]["@type"] == "PostalAddress"
    assert data["address"]["streetAddress"] == "2 Test Road, Testville, TE5 7ST"
    assert data["openingHours"] == ["Monday to Friday: 9am to 5pm"]


def test_treatment_page_is_a_medical_web_page_about_a_therapy(client, clinic):
    treatment = TreatmentFactory(
        name="Dry needling",
        slug="dn",
        last_reviewed=datetime.date(2026, 3, 1),
        reviewed_by="Dr A Clinician, physiotherapist",
    )
    for section, text, contra in [
        (Section.INDICATIONS, "Tendinopathies", False),
        (Section.INDICATIONS, "Not for needle phobia", True),
        (Section.SIDE_EFFECTS, "Mild soreness", False),
        (Section.PROCEDURE, "Needles go in.", False),
        (Section.AFTERCARE, "Drink water.", False),
    ]:
        TreatmentPointFactory(
            treatment=treatment, section=section, text=text, is_contraindication=contra
        )
    (page,) = json_ld(client.get("/treatments/dn/"))
    assert page["@type"] == "MedicalWebPage"
    assert page["url"] == f"{settings.SITE_URL}/treatments/dn/"
    assert page["lastReviewed"] == "2026-03-01"
    assert page["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr A Clinician, physiotherapist",
    }
    therapy = page["about"]
    assert therapy["@type"] == "MedicalTherapy"
    assert therapy["name"] == "Dry needling"
    assert therapy["indication"] == [
        {"@type": "MedicalIndication", "name": "Tendinopathies"}
    ]
    assert therapy["contraindication"] == [
        {"@type": "MedicalContraindication", "name": "Not for needle phobia"}
    ]
    assert therapy["adverseOutcome"] == [
        {"@type": "MedicalEntity", "name": "Mild soreness"}
    ]
    assert therapy["howPerformed"] == "Needles go in."
    assert therapy["followup"] == "Drink water."


def test_review_fields_are_left_out_until_set(client, clinic):
    TreatmentFactory(slug="unreviewed", last_reviewed=None, next_review_due=None)
    (page,) = json_ld(client.get("/treatments/unreviewed/"))
    assert "lastReviewed" not in page
    assert "reviewedBy" not in page


def test_the_seeded_page_uses_only_known_schema_org_properties(client, seeded):
    (page,) = json_ld(client.get("/treatments/dry-needling/"))
    known = {
        "@context",
        "@type",
        "name",
        "description",
        "url",
        "inLanguage",
        "about",
        "lastReviewed",
        "reviewedBy",
        "indication",
        "contraindication",
        "adverseOutcome",
        "howPerformed",
        "followup",
        # CreativeWork: who provides it (Person) and the sources.
        "mentions",
        "citation",
    }
    assert set(page) <= known
    assert set(page["about"]) <= known
    assert page["about"]["contraindication"]


def test_content_cannot_break_out_of_the_json_ld_block(client, clinic):
    name = "</script><script>alert(1)</script> & co"
    treatment = TreatmentFactory(name=name, slug="xss", summary="<b>bold</b>")
    TreatmentPointFactory(treatment=treatment, section=Section.INDICATIONS, text=name)
    response = client.get("/treatments/xss/")
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    (page,) = json_ld(response)
    assert page["name"] == name
    assert page["about"]["indication"][0]["name"] == name
    assert page["description"] == "<b>bold</b>"
    # The page's block and its BreadcrumbList.
    assert len(soup(response).find_all("script")) == 2
