"""The enquiry form as a patient meets it: fields, hints, errors (GOV.UK pattern)."""

import pytest

from tests.factories import TreatmentFactory
from tests.helpers import soup, valid_enquiry_data
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


def test_form_fields_have_labels_types_and_autocomplete(client, clinic):
    page = soup(client.get("/enquire/"))
    form = page.find("form", class_="enquiry-form")
    assert form.has_attr("novalidate")
    expected = {
        "name": ("text", "name"),
        "email": ("email", "email"),
        "phone": ("tel", "tel"),
    }
    for name, (input_type, autocomplete) in expected.items():
        field = form.find("input", attrs={"name": name})
        assert field["type"] == input_type
        assert field["autocomplete"] == autocomplete
        assert form.find("label", attrs={"for": field["id"]})
    assert form.find("textarea", attrs={"name": "message"})
    assert form.find("select", attrs={"name": "treatment"})
    assert form.button.get_text(strip=True) == "Send enquiry"


def test_no_browser_validation_or_silent_truncation(client, clinic):
    form = soup(client.get("/enquire/")).find("form", class_="enquiry-form")
    assert form.find(attrs={"required": True}) is None
    assert form.find(attrs={"maxlength": True}) is None


def test_optional_fields_say_optional_and_required_ones_have_no_asterisk(
    client, clinic
):
    form = soup(client.get("/enquire/")).find("form", class_="enquiry-form")
    labels = {label["for"]: label.get_text(strip=True) for label in form("label")}
    assert labels["id_phone"] == "Phone number (optional)"
    assert labels["id_treatment"].endswith("(optional)")
    assert labels["id_name"] == "Full name"
    assert "*" not in form.get_text()


def test_hints_are_tied_to_their_fields(client, clinic):
    form = soup(client.get("/enquire/")).find("form", class_="enquiry-form")
    phone = form.find(id="id_phone")
    assert phone["aria-describedby"] == "id_phone_helptext"
    assert form.find(id="id_phone_helptext").get_text(strip=True)


def test_consent_label_links_to_the_privacy_notice(client, clinic):
    form = soup(client.get("/enquire/")).find("form", class_="enquiry-form")
    label = form.find("label", attrs={"for": "id_consent"})
    assert label.a["href"] == "/privacy/"


def test_urgent_care_notice_is_next_to_the_form(client, clinic):
    main = soup(client.get("/enquire/")).main
    assert clinic.urgent_care_notice in main.find(class_="callout--urgent").text


def test_honeypot_is_hidden_from_people_and_assistive_technology(client, clinic):
    form = soup(client.get("/enquire/")).find("form", class_="enquiry-form")
    trap = form.find("input", attrs={"name": "website"})
    assert trap.find_parent("div").has_attr("hidden")
    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"


def test_treatment_query_preselects_a_published_treatment(client, clinic):
    TreatmentFactory(name="Dry needling", slug="dry-needling")
    page = soup(client.get("/enquire/?treatment=dry-needling"))
    selected = page.find("select", attrs={"name": "treatment"}).find(selected=True)
    assert selected["value"] == "dry-needling"


@pytest.mark.parametrize("slug", ["no-such-thing", "secret-draft", "%00", "x" * 500])
def test_unknown_or_draft_treatment_query_is_ignored(client, clinic, slug):
    TreatmentFactory(slug="secret-draft", status=Treatment.Status.DRAFT)
    response = client.get(f"/enquire/?treatment={slug}")
    assert response.status_code == 200
    select = soup(response).find("select", attrs={"name": "treatment"})
    assert select.find(selected=True)["value"] == ""
    assert "secret-draft" not in [o["value"] for o in select("option")]


def test_get_with_form_parameters_prefills_nothing(client, clinic):
    response = client.get("/enquire/?name=Pat&message=my+private+pain&email=a@b.c")
    assert response.status_code == 200
    assert b"my private pain" not in response.content
    assert soup(response).find("input", attrs={"name": "name"}).get("value") is None


def test_errors_title_summary_and_inline_messages(client, clinic):
    response = client.post("/enquire/", valid_enquiry_data(name="", email="nope"))
    assert response.status_code == 200
    page = soup(response)
    assert page.title.get_text().startswith("Error: ")
    summary = page.find(class_="error-summary")
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    assert summary.has_attr("autofocus")
    assert summary.h2.get_text() == "There is a problem"
    links = {a["href"]: a.get_text() for a in summary("a")}
    assert links == {
        "#id_name": "Enter your full name",
        "#id_email": "Enter an email address in the correct format, like "
        "name@example.com",
    }
    email = page.find(id="id_email")
    assert email["aria-invalid"] == "true"
    assert email["aria-describedby"] == "id_email_error"
    assert "Enter an email address" in page.find(id="id_email_error").text


def test_error_links_point_at_existing_fields(client, clinic):
    data = valid_enquiry_data(preferred_contact="fax", consent="", message="")
    page = soup(client.post("/enquire/", data))
    links = page.find(class_="error-summary")("a")
    assert len(links) == 3  # preferred contact, message, consent
    for link in links:
        assert page.find(id=link["href"][1:]) is not None, link["href"]


def test_everything_typed_is_kept_after_an_error(client, clinic):
    TreatmentFactory(slug="dry-needling")
    data = valid_enquiry_data(
        email="not-an-email",
        phone="07700 900982",
        preferred_contact="phone",
        treatment="dry-needling",
        message="Line one\nLine <two> & three",
    )
    page = soup(client.post("/enquire/", data))
    assert page.find(id="id_name")["value"] == data["name"]
    assert page.find(id="id_email")["value"] == "not-an-email"
    assert page.find(id="id_phone")["value"] == "07700 900982"
    assert page.find(id="id_preferred_contact_1").has_attr("checked")
    assert page.find(id="id_treatment").find(selected=True)["value"] == "dry-needling"
    assert page.find(id="id_message").get_text().strip() == data["message"]
    assert page.find(id="id_consent").has_attr("checked")


@pytest.mark.parametrize(
    "phone",
    ["01632 960 001", "+44 7700 900982", "(01632) 960001", "+1-202-555-0143"],
)
def test_phone_numbers_are_accepted_leniently(client, clinic, phone):
    response = client.post("/enquire/", valid_enquiry_data(phone=phone))
    assert response.status_code == 302


@pytest.mark.parametrize("phone", ["call me", "12", "0" * 20, "+44 7700 <b>"])
def test_bad_phone_numbers_get_a_clear_error(client, clinic, phone):
    page = soup(client.post("/enquire/", valid_enquiry_data(phone=phone)))
    assert "Enter a phone number" in page.find(id="id_phone_error").text


def test_phone_is_needed_when_phone_is_the_preferred_contact(client, clinic):
    data = valid_enquiry_data(preferred_contact="phone", phone="")
    page = soup(client.post("/enquire/", data))
    assert "choose email" in page.find(id="id_phone_error").text


def test_privacy_page_states_retention_and_who_to_contact(client, clinic, settings):
    settings.ENQUIRY_RETENTION_DAYS = 200
    response = client.get("/privacy/")
    assert response.status_code == 200
    text = " ".join(soup(response).main.get_text().split())
    assert "We delete enquiries 200 days after we receive them." in text
    assert clinic.phone in text
    assert clinic.email in text


def test_privacy_page_says_how_long_rate_limit_counts_are_kept(
    client, clinic, monkeypatch
):
    """From the service that deletes them, not a number typed in the page."""
    from enquiries import services

    monkeypatch.setattr(services, "SUBMISSION_COUNTS_KEPT_DAYS", 2)
    text = " ".join(soup(client.get("/privacy/")).main.get_text().split())
    assert "internet address for two days so that" in text
