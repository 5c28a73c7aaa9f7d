"""The treatment editor in admin, as people using it need it (issue 15, item 7):
bullet rows whose every input is labelled, an error summary that links to
each input in error, an image that is not lost when another field has an
error, and the slug's real address.

Drafts throughout: admin saves a draft at once (a published page's changes
wait for a clinical reviewer, tests/test_clinical_review.py).
"""

import io

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import TreatmentFactory, TreatmentPointFactory
from tests.helpers import (
    TREATMENT_CHANGELIST,
    admin_change_url,
    field_errors,
    inline_prefix,
    post_change,
    soup,
)
from treatments import images
from treatments.models import Section, Treatment, TreatmentSource

pytestmark = pytest.mark.django_db


def draft(**kwargs):
    return TreatmentFactory(status=Treatment.Status.DRAFT, **kwargs)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored(root, folder):
    path = root / folder
    return (
        sorted(p.name for p in path.iterdir() if p.is_file()) if path.exists() else []
    )


def jpeg(color="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("my photo.jpg", buffer.getvalue(), "image/jpeg")


def kept_token(response):
    field = soup(response).select_one("input[type=hidden][name=kept_image]")
    assert field is not None, "no kept_image field on the form"
    return field.get("value", "")


# Bullet rows ---------------------------------------------------------------------


@pytest.fixture
def page_with_rows(admin_client):
    treatment = draft()
    TreatmentPointFactory(
        treatment=treatment, section=Section.BENEFITS, text="Eases pain"
    )
    TreatmentPointFactory(treatment=treatment, section=Section.BENEFITS, text="Quick")
    TreatmentSource.objects.create(treatment=treatment, order=1, title="A trial")
    return soup(admin_client.get(admin_change_url(treatment)))


def test_every_input_of_every_row_has_a_label_naming_its_row(page_with_rows):
    rows = page_with_rows.select(".labelled-rows tbody tr.form-row")
    # 2 points, 1 source, and the empty row of each of the 7 tabular inlines.
    assert len(rows) == 3 + 7
    labels = {}
    for row in rows:
        for control in row.select("input, textarea, select"):
            if control.get("type") == "hidden":
                continue
            label = page_with_rows.select_one(f"label[for={control['id']}]")
            assert label is not None, f"{control['id']} has no label"
            labels[control["id"]] = label.text.strip()
    benefits = inline_prefix(Section.BENEFITS)
    assert labels[f"id_{benefits}-1-order"] == "Order, “Benefits” point 2"
    assert labels[f"id_{benefits}-1-text"] == "Text, “Benefits” point 2"
    assert (
        labels[f"id_{benefits}-1-is_contraindication"]
        == "Says who should not have it, “Benefits” point 2"
    )
    assert labels[f"id_{benefits}-1-DELETE"] == "Delete “Benefits” point 2"
    assert labels["id_sources-0-title"] == "Title, source 1"
    assert labels["id_sources-0-DELETE"] == "Delete source 1"
    # The row JavaScript adds from the template is named as new.
    assert labels[f"id_{benefits}-__prefix__-text"] == "Text, new “Benefits” point"
    # Labels are unique: each names its own row.
    assert len(set(labels.values())) == len(labels)


def test_no_empty_table_headings_and_no_copy_of_a_bullets_text(page_with_rows):
    headings = page_with_rows.select(".labelled-rows thead th")
    assert headings
    assert [th for th in headings if not th.get_text(strip=True)] == []
    assert page_with_rows.select(".labelled-rows .original") == []
    # The bullet's text is in its text box only, not also above the row.
    text_nodes = page_with_rows.find_all(string=lambda s: "Eases pain" in s)
    assert [s.parent.name for s in text_nodes] == ["textarea"]


def test_order_help_is_shown_in_its_column_heading(page_with_rows):
    heading = page_with_rows.select_one(".labelled-rows th.column-order")
    assert "leave blank to add at the end" in heading.text
    assert heading.select("img") == []


def test_each_question_is_a_group_named_by_its_legend(admin_client):
    treatment = draft()
    treatment.questions.create(order=1, question="Does it hurt?", answer="A little.")
    treatment.questions.create(order=2, question="How long?", answer="30 minutes.")
    page = soup(admin_client.get(admin_change_url(treatment)))
    groups = page.select("#questions-group .inline-related fieldset.row-group")
    legends = [g.find("legend").get_text(strip=True) for g in groups]
    assert legends == ["Question 1", "Question 2", "New question #3"]
    second = groups[1]
    for name in ["order", "question", "answer"]:
        control = second.select_one(f"[name=questions-1-{name}]")
        assert page.select_one(f"label[for={control['id']}]") is not None
    delete = page.select_one("label[for=id_questions-1-DELETE]")
    assert delete.text == "Delete question 2"
    # The question's text is in its box, not repeated in the heading.
    assert "Does it hurt?" not in groups[0].find("legend").text


# Error summary -------------------------------------------------------------------


def test_the_error_summary_links_to_each_input_in_error(admin_client):
    treatment = draft()
    TreatmentPointFactory(treatment=treatment, section=Section.BENEFITS, order=1)
    TreatmentPointFactory(treatment=treatment, section=Section.BENEFITS, order=2)
    TreatmentPointFactory(treatment=treatment, section=Section.AFTERCARE, order=1)
    benefits = inline_prefix(Section.BENEFITS)
    aftercare = inline_prefix(Section.AFTERCARE)
    response = post_change(
        admin_client,
        treatment,
        name="",
        **{f"{benefits}-1-order": "1", f"{aftercare}-0-text": ""},
    )
    assert response.status_code == 200
    page = soup(response)
    summary = page.select_one("#treatment_form .error-summary")
    assert summary is not None
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    assert summary.has_attr("autofocus")
    assert summary.select_one("h2").text == "There is a problem"
    links = [(a.text, a["href"]) for a in summary.select("a")]
    assert links == [
        ("Name: This field is required.", "#id_name"),
        (
            "“Benefits” point 2, order: Another point in “Benefits” already has "
            "order 1. Give each point its own number.",
            f"#id_{benefits}-1-order",
        ),
        (
            "“Aftercare” point 1, text: This field is required.",
            f"#id_{aftercare}-0-text",
        ),
    ]
    # Every link leads to an input on the page.
    for _, href in links:
        assert page.select_one(href).name in ("input", "textarea")
    # It is the first thing in the form (after the sign-off banner) and no
    # script is needed: no inline script on the page.
    assert page.select("script:not([src])") == [] or all(
        s.get("type") == "application/json" for s in page.select("script:not([src])")
    )


def test_no_error_summary_without_errors(admin_client):
    page = soup(admin_client.get(admin_change_url(draft())))
    assert page.select(".error-summary") == []


def test_the_add_form_with_errors_does_not_move_focus_to_its_first_field(admin_client):
    """Admin's change_form.js focuses the add form's first field; with errors
    the summary keeps the focus autofocus gave it."""
    add = f"{TREATMENT_CHANGELIST}add/"
    script = soup(admin_client.get(add)).select_one("#django-admin-form-add-constants")
    assert script["data-model-name"] == "treatment"
    response = post_change(admin_client, add, name="")
    page = soup(response)
    assert page.select_one(".error-summary[autofocus]") is not None
    script = page.select_one("#django-admin-form-add-constants")
    assert not script.has_attr("data-model-name")


# The chosen image is kept ---------------------------------------------------------


def test_the_chosen_image_is_kept_when_another_field_has_an_error(
    admin_client, media_root
):
    treatment = draft(slug="needling")
    response = post_change(
        admin_client, treatment, name="", image=jpeg(), image_alt="A tray"
    )
    assert response.status_code == 200
    assert field_errors(response, "name") == ["This field is required."]
    token = kept_token(response)
    assert token
    assert "“my photo.jpg” is kept" in soup(response).select_one(".field-image").text
    (kept,) = stored(media_root, images.KEPT_DIR)
    treatment.refresh_from_db()
    assert not treatment.image

    # Corrected and sent again: no file chosen this time.
    response = post_change(
        admin_client, treatment, name="Needling", image_alt="A tray", kept_image=token
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert treatment.image.name.startswith("treatments/needling-")
    assert treatment.image_renditions["jpeg"]["width"] == 800
    assert default_storage.open(treatment.image.name).read()[:2] == b"\xff\xd8"
    # The kept copy is gone once the image is saved under its own name.
    assert kept not in stored(media_root, images.KEPT_DIR)


def test_on_a_live_page_the_kept_image_waits_for_approval_with_the_change(
    admin_client, media_root
):
    from clinical_review.models import Revision

    treatment = TreatmentFactory(slug="needling")  # published
    token = kept_token(
        post_change(admin_client, treatment, name="", image=jpeg(), image_alt="A")
    )
    response = post_change(admin_client, treatment, image_alt="A", kept_image=token)
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert not treatment.image  # patients see the approved page
    (revision,) = Revision.objects.pending().filter(treatment=treatment)
    name = revision.document["fields"]["image"]
    assert name.startswith("treatments/needling-")
    assert default_storage.exists(name)
    renditions = revision.document["fields"]["image_renditions"]
    assert default_storage.exists(renditions["jpeg"]["name"])


def test_the_kept_image_survives_a_second_error(admin_client, media_root):
    treatment = draft(slug="needling")
    response = post_change(admin_client, treatment, name="", image=jpeg())
    token = kept_token(response)
    response = post_change(admin_client, treatment, name="", kept_image=token)
    assert response.status_code == 200
    assert kept_token(response) == token
    # The missing description is asked for: the kept image counts as chosen.
    assert field_errors(response, "image_alt") == [
        "Describe the image for people who cannot see it."
    ]


def test_a_new_file_replaces_the_kept_one(admin_client, media_root):
    treatment = draft(slug="needling")
    token = kept_token(post_change(admin_client, treatment, name="", image=jpeg()))
    response = post_change(
        admin_client,
        treatment,
        image=jpeg(color="red"),
        image_alt="Red",
        kept_image=token,
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    with default_storage.open(treatment.image.name) as f:
        assert Image.open(f).convert("RGB").getpixel((10, 10))[0] > 200


def test_clear_wins_over_a_kept_image(admin_client, media_root):
    treatment = draft(slug="needling")
    token = kept_token(post_change(admin_client, treatment, name="", image=jpeg()))
    response = post_change(
        admin_client, treatment, kept_image=token, **{"image-clear": "on"}
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert not treatment.image


KEPT_LOOKALIKE = "treatments/kept/" + "0" * 32 + ".jpg"
CRAFTED = {
    "not signed": lambda: "treatments/other.jpg",
    "garbage": lambda: "garbage:1abc:xyz",
    "signed, outside the kept folder": lambda: signing.dumps(
        {"name": "treatments/other.jpg"}, salt=images.KEPT_SALT
    ),
    "signed, climbing out": lambda: signing.dumps(
        {"name": "treatments/kept/../other.jpg"}, salt=images.KEPT_SALT
    ),
    "signed for another purpose": lambda: signing.dumps(
        {"name": KEPT_LOOKALIKE}, salt="another salt"
    ),
    "signed, not a dict": lambda: signing.dumps(
        [KEPT_LOOKALIKE], salt=images.KEPT_SALT
    ),
}


@pytest.mark.parametrize("case", CRAFTED)
def test_a_crafted_kept_image_cannot_name_another_file(admin_client, media_root, case):
    crafted = CRAFTED[case]()
    # Files a crafted value might point at.
    default_storage.save("treatments/other.jpg", ContentFile(jpeg().read()))
    default_storage.save(KEPT_LOOKALIKE, ContentFile(jpeg().read()))
    treatment = draft(slug="needling")
    response = post_change(
        admin_client, treatment, image_alt="A tray", kept_image=crafted
    )
    assert response.status_code == 200
    assert field_errors(response, "image") == [
        "The image you chose before could not be kept. Choose it again."
    ]
    treatment.refresh_from_db()
    assert not treatment.image
    # Refused once: the form comes back without it, so the next save goes on
    # without an image.
    assert kept_token(response) == ""
    response = post_change(admin_client, treatment, image_alt="A tray")
    assert response.status_code == 302


def test_a_kept_image_whose_file_is_gone_is_asked_for_again(admin_client, media_root):
    treatment = draft(slug="needling")
    token = kept_token(post_change(admin_client, treatment, name="", image=jpeg()))
    for name in stored(media_root, images.KEPT_DIR):
        default_storage.delete(f"{images.KEPT_DIR}/{name}")
    response = post_change(admin_client, treatment, image_alt="A", kept_image=token)
    assert response.status_code == 200
    assert field_errors(response, "image") == [
        "The image you chose before could not be kept. Choose it again."
    ]


def test_a_kept_image_expires_after_a_day(media_root, monkeypatch):
    processed = images.process_upload(jpeg(), "needling-1")
    token = images.keep_upload(processed, "my photo.jpg")
    assert images.kept_upload(token, "needling-2") is not None
    real_time = signing.time.time
    monkeypatch.setattr(
        signing.time, "time", lambda: real_time() + images.KEPT_MAX_AGE + 1
    )
    assert images.kept_upload(token, "needling-2") is None


# The slug's address ---------------------------------------------------------------


def test_the_slug_help_shows_the_pages_real_address(admin_client, settings):
    settings.SITE_URL = "https://clinic.example"
    treatment = draft(slug="dry-needling")
    help_text = soup(admin_client.get(admin_change_url(treatment))).select_one(
        ".field-slug .help"
    )
    assert "https://clinic.example/treatments/dry-needling/" in help_text.text
    add = soup(admin_client.get(f"{TREATMENT_CHANGELIST}add/"))
    assert (
        "https://clinic.example/treatments/slug/"
        in add.select_one(".field-slug .help").text
    )


def test_the_slug_help_escapes_what_it_shows(admin_client):
    form_page = soup(admin_client.get(f"{TREATMENT_CHANGELIST}add/"))
    assert form_page.select(".field-slug .help script") == []
    from treatments.admin import slug_help_text

    assert "<b>" not in slug_help_text("<b>x</b>")
