"""/search/: what it finds, how it ranks, and how it takes bad input."""

import pytest
from django.core.management import call_command

from conditions.models import Condition
from search import index
from search.text import stem
from tests.factories import ConditionFactory, TreatmentFactory, TreatmentPointFactory
from tests.helpers import CLOSED_PORT_REDIS, soup
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(seeded):
    call_command("loaddata", "conditions", verbosity=0)


def results(client, query):
    """(conditions, treatments) found, as the titles the page links."""
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    page = soup(response)

    def titles(heading_id):
        heading = page.find("h2", id=heading_id)
        if heading is None:
            return []
        return [a.get_text() for a in heading.parent.select(".search-results h3 a")]

    return titles("conditions-heading"), titles("treatments-heading")


# What the issue asks for, on the shipped content --------------------------------

ACHILLES = (["Achilles tendon pain"], ["Dry needling"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("achilles", ACHILLES),
        ("ACHILLES", ACHILLES),
        ("achiles", ACHILLES),
        (
            "Achilles tendonitis",
            (["Achilles tendon pain", "Kneecap tendon pain"], ["Dry needling"]),
        ),
        ("trigger points", (["Muscle knots (trigger points)"], ["Dry needling"])),
        ("needle", ([], ["Dry needling"])),
        ("needeling", ([], ["Dry needling"])),
        ("jumper's knee", (["Kneecap tendon pain"], ["Dry needling"])),
        ("xyzzy", ([], [])),
    ],
)
def test_shipped_content_answers(client, shipped, query, expected):
    assert results(client, query) == expected


def test_a_corrected_typo_says_what_was_searched(client, shipped):
    page = soup(client.get("/search/?q=needeling"))
    assert "Showing results for needling" in page.select_one(".search-summary").text


def test_matching_words_are_marked(client, shipped):
    page = soup(client.get("/search/?q=achilles"))
    marks = {m.get_text() for m in page.select(".search-results mark")}
    assert marks == {"Achilles"}


def test_no_results_page_offers_a_close_spelling_the_az_and_enquiry(client, shipped):
    main = soup(client.get("/search/?q=nedlng")).main
    assert "No treatments or conditions match" in main.text
    suggestion = main.find("a", href="/search/?q=needling")
    assert suggestion.get_text() == "needling"
    assert "Did you mean" in suggestion.parent.text
    assert results(client, suggestion.get_text()) == ([], ["Dry needling"])
    assert main.find("a", href="/conditions/")
    assert main.find("a", href="/enquire/")


def test_nothing_close_offers_no_suggestion(client, shipped):
    main = soup(client.get("/search/?q=xyzzy")).main
    assert "Did you mean" not in main.text
    assert main.find("a", href="/conditions/")


def test_empty_query_shows_the_form_only(client, shipped):
    page = soup(client.get("/search/"))
    assert page.h1.get_text() == "Search"
    assert page.find("input", id="id_q")["name"] == "q"
    assert page.select(".search-results") == []
    assert page.select(".search-summary") == []


def test_results_page_is_noindex_and_not_public(client, shipped):
    response = client.get("/search/?q=achilles")
    assert response["X-Robots-Tag"] == "noindex"
    page = soup(response)
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert "public" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/", "/treatments/dry-needling/", "/conditions/"])
def test_every_page_has_the_header_search_box(client, shipped, url):
    form = soup(client.get(url)).select_one("header form[role=search]")
    assert form["action"] == "/search/"
    assert form["method"] == "get"
    field = form.find("input", attrs={"name": "q"})
    assert form.find("label", attrs={"for": field["id"]}).get_text().strip()


# Ranking and word forms ---------------------------------------------------------


def test_other_names_weigh_more_than_body_text(client, clinic):
    ConditionFactory(name="Zed", slug="in-summary", summary="Often called gloop.")
    ConditionFactory(name="Aye", slug="other-name", other_names="Gloop")
    ConditionFactory(name="Bee", slug="medical", medical_term="Gloopitis gloop")
    assert results(client, "gloop")[0] == ["Aye", "Bee", "Zed"]


def test_the_name_typed_exactly_comes_first(client, clinic):
    ConditionFactory(name="Knee pain", slug="knee-pain", summary="Pain.")
    ConditionFactory(
        name="Runner's knee", slug="runners", other_names="Knee pain when running"
    )
    assert results(client, "knee pain")[0][0] == "Knee pain"


def test_plurals_and_word_forms_match(client, clinic):
    treatment = TreatmentFactory(name="Zap", slug="zap")
    TreatmentPointFactory(treatment=treatment, text="Injuries of the shoulder")
    assert results(client, "injury shoulders")[1] == ["Zap"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("points", "point"),
        ("needling", "needl"),
        ("needle", "needl"),
        ("needles", "needl"),
        ("tendinopathies", "tendinopathy"),
        ("tendonitis", "tendonitis"),
        ("knee", "knee"),
    ],
)
def test_stems(word, expected):
    assert stem(word) == expected


def test_drafts_are_never_found(client, clinic):
    TreatmentFactory(name="Secret zap", slug="z", status=Treatment.Status.DRAFT)
    ConditionFactory(name="Secret ache", slug="a", status=Condition.Status.DRAFT)
    assert results(client, "secret") == ([], [])


def test_new_content_is_found_at_once(client, clinic):
    assert results(client, "wobble") == ([], [])
    ConditionFactory(name="Wobble", slug="wobble")
    assert results(client, "wobble") == (["Wobble"], [])


def test_search_works_with_the_cache_down(client, clinic, settings):
    ConditionFactory(name="Wobble", slug="wobble")
    settings.CACHES = CLOSED_PORT_REDIS
    assert results(client, "wobble") == (["Wobble"], [])


def test_content_is_escaped_when_marked(client, clinic):
    ConditionFactory(name="<b>Ouch</b> & co", slug="x", summary="<i>ouch</i>")
    html = client.get("/search/?q=ouch").content.decode()
    assert "<b>" not in html and "<i>ouch" not in html
    assert "&lt;b&gt;<mark>Ouch</mark>&lt;/b&gt; &amp; co" in html


# Bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query_string",
    [
        "q=" + "a" * 5000,
        "q=achilles%00",
        "q=%00",
        "q=%ED%A0%80",
        "q=%ED%A0%80achilles",
        "q=%22%22%22",
        "q=!!!+...+%3F%3F",
        "q=the+and+of",
        "q=%22achilles%22",
        "q=achil*",
        "q=achilles+NEAR+knee",
        "q=achilles+AND+knee",
        "q=-achilles",
        "q=achilles+OR+1%3D1--",
        "q=%27%3B+DROP+TABLE+conditions_condition%3B--",
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "q=a&q=achilles",
        "q[]=achilles",
        "q=%F0%9F%A6%B6",
        "q=" + "word+" * 300,
    ],
)
def test_bad_input_answers_a_sensible_page(client, shipped, query_string):
    response = client.get(f"/search/?{query_string}")
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "\x00" not in html
    page = soup(response)
    assert len(page.find_all("h1")) == 1


def test_a_long_query_is_refused_with_a_field_error(client, shipped):
    page = soup(client.get("/search/?q=" + "a" * 5000))
    assert "200 characters at most" in page.select_one(".error-message").text
    assert page.select(".search-results") == []


def test_a_nul_is_refused_with_a_field_error(client, shipped):
    page = soup(client.get("/search/?q=achilles%00"))
    assert page.select_one(".error-message").text.strip()


def test_only_stop_words_or_punctuation_asks_for_a_word(client, shipped):
    for query in ("the and of", "!!! ??", '"*"'):
        main = soup(client.get("/search/", {"q": query})).main
        assert "Type a word" in main.text, query


def test_operators_are_plain_words(client, shipped):
    assert results(client, '"achilles" AND -knee*') == results(client, "achilles knee")


def test_the_last_q_counts(client, shipped):
    assert results(client, "x") == ([], [])
    response = client.get("/search/?q=xyzzy&q=achilles")
    page = soup(response)
    assert page.find("input", id="id_q")["value"] == "achilles"


def test_many_words_are_cut_to_the_first_few(client, shipped):
    query = " ".join(f"word{i}" for i in range(20))
    main = soup(client.get("/search/", {"q": query})).main
    assert f"Only the first {index.MAX_TERMS} words were searched" in main.text


def test_post_is_refused(client, shipped):
    assert client.post("/search/", {"q": "achilles"}).status_code == 405


def test_same_answers_as_the_index_directly(shipped):
    """The page and search() agree (the index is the one code path)."""
    found = index.search("achiles")
    assert [d.title for d in found.conditions] == ["Achilles tendon pain"]
    assert [d.title for d in found.treatments] == ["Dry needling"]
