"""Conditions: the A–Z, condition pages, links from treatment pages, admin."""

import json

import pytest
from django.core.management import call_command
from reversion.models import Version

from conditions.models import Condition
from tests.factories import (
    ConditionFactory,
    TreatmentFactory,
    TreatmentPointFactory,
)
from tests.helpers import post_change, soup
from treatments.models import Section, Treatment, TreatmentPoint

pytestmark = pytest.mark.django_db

SHIPPED = {
    "achilles-tendon-pain": ("Achilles tendon pain", "Achilles tendinopathy"),
    "kneecap-tendon-pain": ("Kneecap tendon pain", "Patellar tendinopathy"),
    "muscle-knots": ("Muscle knots (trigger points)", "Myofascial trigger point pain"),
    "soft-tissue-pain-after-an-injury": (
        "Soft tissue pain after an injury",
        "Post-injury soft tissue pain",
    ),
}


@pytest.fixture
def shipped(seeded):
    """The shipped content with fixtures/conditions.json."""
    call_command("loaddata", "conditions", verbosity=0)


def json_ld(response):
    return [
        json.loads(tag.string)
        for tag in soup(response).find_all("script", type="application/ld+json")
    ]


# The A–Z ------------------------------------------------------------------------


def test_az_has_a_heading_per_letter_with_its_conditions(client, shipped):
    page = soup(client.get("/conditions/"))
    sections = {
        s.h2.get_text(strip=True): [
            (li.a.get_text(strip=True), li.select_one(".az-list__term").get_text())
            for li in s.select(".az-list li")
        ]
        for s in page.select(".az-section")
    }
    assert sections == {
        "A": [SHIPPED["achilles-tendon-pain"]],
        "K": [SHIPPED["kneecap-tendon-pain"]],
        "M": [SHIPPED["muscle-knots"]],
        "S": [SHIPPED["soft-tissue-pain-after-an-injury"]],
    }


def test_az_letter_navigation_links_only_letters_with_conditions(client, shipped):
    nav = soup(client.get("/conditions/")).select_one("nav.az-nav")
    links = [a.get_text(strip=True) for a in nav.find_all("a")]
    assert links == ["A", "K", "M", "S"]
    assert [a["href"] for a in nav.find_all("a")] == [
        "#letter-A",
        "#letter-K",
        "#letter-M",
        "#letter-S",
    ]
    page = soup(client.get("/conditions/"))
    for href in ("letter-A", "letter-K", "letter-M", "letter-S"):
        assert page.find(id=href).name == "h2"


def test_az_sorts_regardless_of_capitals_and_files_digits_under_hash(client, clinic):
    ConditionFactory(name="ankle pain", slug="ankle")
    ConditionFactory(name="Achilles", slug="achilles")
    ConditionFactory(name="5th toe pain", slug="toe")
    page = soup(client.get("/conditions/"))
    headings = [h.get_text(strip=True) for h in page.select(".az-section h2")]
    assert headings == ["A", "Numbers and symbols"]
    first = page.select(".az-section")[0]
    assert [a.get_text() for a in first.select("li a")] == ["Achilles", "ankle pain"]


def test_drafts_are_hidden_everywhere(client, shipped):
    draft = Condition.objects.get(slug="muscle-knots")
    draft.status = Condition.Status.DRAFT
    draft.save()
    assert client.get("/conditions/muscle-knots/").status_code == 404
    assert b"/conditions/muscle-knots/" not in client.get("/conditions/").content
    treatment_page = client.get("/treatments/dry-needling/").content
    assert b"/conditions/muscle-knots/" not in treatment_page
    assert b"/conditions/muscle-knots/" not in client.get("/sitemap.xml").content
    found = client.get("/search/?q=myofascial").content
    assert b"/conditions/muscle-knots/" not in found


def test_empty_az_says_so(client, clinic):
    page = soup(client.get("/conditions/"))
    assert page.h1.get_text() == "Conditions A to Z"
    assert "being prepared" in page.main.get_text()


# A condition page ---------------------------------------------------------------


def test_condition_page_shows_names_and_treatment_cards(client, shipped):
    page = soup(client.get("/conditions/achilles-tendon-pain/"))
    assert page.h1.get_text() == "Achilles tendon pain"
    assert "Achilles tendinopathy" in page.select_one(".condition-term").get_text()
    assert "Achilles tendonitis" in page.select_one(".page-intro").get_text()
    cards = page.select(".treatment-card")
    assert [c.a["href"] for c in cards] == ["/treatments/dry-needling/"]
    assert page.find("h2", id="treatments-heading").get_text() == (
        "Treatments that can help"
    )


def test_enquiry_link_preselects_the_only_treatment(client, shipped):
    page = soup(client.get("/conditions/achilles-tendon-pain/"))
    link = page.select_one(".enquire-panel a.btn")
    assert link["href"] == "/enquire/?treatment=dry-needling"


def test_enquiry_link_preselects_nothing_with_several_treatments(client, clinic):
    condition = ConditionFactory(slug="c")
    condition.treatments.add(TreatmentFactory(slug="t1"), TreatmentFactory(slug="t2"))
    page = soup(client.get("/conditions/c/"))
    assert page.select_one(".enquire-panel a.btn")["href"] == "/enquire/"
    assert len(page.select(".treatment-card")) == 2


def test_condition_page_leaves_out_draft_treatments(client, clinic):
    condition = ConditionFactory(slug="c")
    condition.treatments.add(
        TreatmentFactory(slug="draft", status=Treatment.Status.DRAFT)
    )
    page = soup(client.get("/conditions/c/"))
    assert page.select(".treatment-card") == []
    assert page.select_one(".enquire-panel a.btn")["href"] == "/enquire/"


def test_unreviewed_condition_says_so(client, shipped):
    page = soup(client.get("/conditions/achilles-tendon-pain/"))
    assert page.select_one(".review-line").get_text() == (
        "This page has not been clinically reviewed yet."
    )


def test_condition_json_ld_is_a_medical_condition_with_breadcrumbs(client, shipped):
    page, crumbs = json_ld(client.get("/conditions/achilles-tendon-pain/"))
    assert page["@type"] == "MedicalWebPage"
    about = page["about"]
    assert about["@type"] == "MedicalCondition"
    assert about["name"] == "Achilles tendinopathy"
    assert "Achilles tendon pain" in about["alternateName"]
    assert "Achilles tendonitis" in about["alternateName"]
    assert about["possibleTreatment"][0]["url"].endswith("/treatments/dry-needling/")
    assert "lastReviewed" not in page
    assert crumbs["@type"] == "BreadcrumbList"
    names = [item["name"] for item in crumbs["itemListElement"]]
    assert names == ["Home", "Conditions A to Z", "Achilles tendon pain"]


def test_treatment_page_has_breadcrumb_json_ld(client, seeded):
    crumbs = json_ld(client.get("/treatments/dry-needling/"))[-1]
    assert crumbs["@type"] == "BreadcrumbList"
    items = crumbs["itemListElement"]
    assert [i["name"] for i in items] == ["Home", "Treatments", "Dry needling"]
    assert items[-1]["item"].endswith("/treatments/dry-needling/")


def test_sitemap_lists_the_az_and_condition_pages(client, shipped):
    body = client.get("/sitemap.xml").content.decode()
    assert "/conditions/</loc>" in body
    for slug in SHIPPED:
        assert f"/conditions/{slug}/</loc>" in body


# Treatment pages link their points ----------------------------------------------


def test_a_linked_point_is_a_link_to_its_condition_with_its_text_verbatim(
    client, shipped
):
    page = soup(client.get("/treatments/dry-needling/"))
    section = page.find(id="what-it-treats").parent
    link = section.find("a", href="/conditions/muscle-knots/")
    assert link.get_text() == "Myofascial trigger point pain around joints"


def test_a_point_with_two_conditions_links_to_both_after_its_text(client, shipped):
    page = soup(client.get("/treatments/dry-needling/"))
    section = page.find(id="what-it-treats").parent
    item = section.select_one(".point-list li")
    assert item.contents[0] == "Tendinopathies (e.g., patellar, Achilles)"
    assert [a["href"] for a in item.find_all("a")] == [
        "/conditions/achilles-tendon-pain/",
        "/conditions/kneecap-tendon-pain/",
    ]


def test_the_seed_points_stay_verbatim(shipped):
    texts = list(
        TreatmentPoint.objects.filter(section=Section.INDICATIONS)
        .order_by("order")
        .values_list("text", flat=True)
    )
    assert texts == [
        "Tendinopathies (e.g., patellar, Achilles)",
        "Myofascial trigger point pain around joints",
        "Post-injury soft tissue pain that contributes to joint dysfunction",
    ]


def test_shipped_conditions_link_to_dry_needling_and_are_not_reviewed(shipped):
    for slug, (name, term) in SHIPPED.items():
        condition = Condition.objects.get(slug=slug)
        assert (condition.name, condition.medical_term) == (name, term)
        assert condition.status == Condition.Status.PUBLISHED
        assert condition.last_reviewed is None and condition.reviewed_by == ""
        assert [t.slug for t in condition.treatments.all()] == ["dry-needling"]
        assert condition.treatment_points.count() == 1


def test_load_initial_content_loads_the_conditions_once(db, capsys):
    call_command("load_initial_content")
    assert Condition.objects.count() == len(SHIPPED)
    Condition.objects.filter(slug="muscle-knots").update(name="Edited")
    call_command("load_initial_content")
    assert Condition.objects.get(slug="muscle-knots").name == "Edited"
    assert "conditions: conditions already exist" in capsys.readouterr().out


def test_load_initial_content_skips_conditions_whose_treatment_is_gone(db, capsys):
    call_command("loaddata", "treatments", "clinic", verbosity=0)
    TreatmentPoint.objects.filter(section=Section.INDICATIONS).delete()
    call_command("load_initial_content")
    assert Condition.objects.count() == 0
    assert "conditions: not loaded" in capsys.readouterr().out


# Page cache and admin -----------------------------------------------------------


def test_saving_a_condition_clears_the_cached_az(client, shipped, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    client.get("/conditions/")
    assert client.get("/conditions/").status_code == 200
    condition = Condition.objects.get(slug="muscle-knots")
    condition.name = "Knots in a muscle"
    condition.save()
    assert b"Knots in a muscle" in client.get("/conditions/").content


def test_linking_a_point_clears_the_cached_treatment_page(client, clinic, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    point = TreatmentPointFactory(
        treatment=TreatmentFactory(slug="t"), section=Section.INDICATIONS
    )
    condition = ConditionFactory(slug="c")
    assert b"/conditions/c/" not in client.get("/treatments/t/").content
    condition.treatment_points.add(point)
    assert b"/conditions/c/" in client.get("/treatments/t/").content


def test_admin_change_is_recorded_in_history(admin_client, shipped):
    condition = Condition.objects.get(slug="muscle-knots")
    response = post_change(admin_client, condition, summary="Changed in admin.")
    assert response.status_code == 302, response.content
    versions = Version.objects.get_for_object(condition)
    assert versions.count() == 1
    assert versions[0].field_dict["summary"] == "Changed in admin."


def test_admin_refuses_a_point_of_a_treatment_not_listed(admin_client, shipped):
    condition = Condition.objects.get(slug="muscle-knots")
    response = post_change(admin_client, condition, treatments=[])
    assert response.status_code == 200
    assert "Add the treatments whose points link here: Dry needling." in (
        response.content.decode()
    )


def test_admin_offers_only_what_it_treats_points_named_with_the_treatment(
    admin_client, shipped
):
    condition = Condition.objects.get(slug="muscle-knots")
    page = soup(admin_client.get(f"/admin/conditions/condition/{condition.pk}/change/"))
    options = [o.get_text() for o in page.select("#id_treatment_points option")]
    assert options and all(o.startswith("Dry needling: ") for o in options)
    assert len(options) == 3


def test_admin_review_filter_lists_unreviewed_conditions(admin_client, shipped):
    Condition.objects.filter(slug="muscle-knots").update(
        last_reviewed="2026-12-01", reviewed_by="A. Clinician, physiotherapist"
    )
    page = soup(admin_client.get("/admin/conditions/condition/?reviewed=no"))
    names = [a.get_text() for a in page.select("#result_list th.field-name a")]
    assert sorted(names) == sorted(
        n for slug, (n, _) in SHIPPED.items() if slug != "muscle-knots"
    )


def test_content_editors_may_edit_conditions(db):
    from django.contrib.auth.models import Group

    perms = set(
        Group.objects.get(name="Content editors").permissions.values_list(
            "codename", flat=True
        )
    )
    assert {"add_condition", "change_condition", "view_condition"} <= perms


@pytest.mark.parametrize("count", [5, 50])
def test_admin_changelist_queries_are_constant(admin_client, clinic, count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(count):
        ConditionFactory(slug=f"c{i}")
    with CaptureQueriesContext(connection) as ctx:
        assert admin_client.get("/admin/conditions/condition/").status_code == 200
    # Sign-in (session, user, two-factor device, lockout), the counts, the
    # page of rows, the filters: the same whatever the number of conditions.
    assert len(ctx) == 12, [q["sql"] for q in ctx.captured_queries]
