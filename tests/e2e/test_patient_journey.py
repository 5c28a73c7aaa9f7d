"""A patient finds a treatment, reads it and sends an enquiry, in a real browser.

Each journey runs twice: with JavaScript on and with it off (the site needs none).
"""

import re

from playwright.sync_api import expect

from enquiries.models import Enquiry
from tests.helpers import TREATMENT_PAGE_HEADINGS
from treatments.models import Treatment


def test_patient_finds_a_treatment_and_sends_an_enquiry(page, site):
    page.goto(site + "/")
    expect(page.locator("h1")).to_have_count(1)
    page.locator(".treatment-card a", has_text="Dry needling").click()

    expect(page).to_have_url(site + "/treatments/dry-needling/")
    expect(page.locator("h1")).to_have_text("Dry needling")
    headings = page.locator(".treatment-body h2").all_inner_texts()
    assert headings == TREATMENT_PAGE_HEADINGS

    # Every "On this page" link jumps to its section: the URL gains the
    # fragment and the heading it names is scrolled to the top of the window.
    contents = page.locator("nav.contents a")
    expect(contents).to_have_count(len(TREATMENT_PAGE_HEADINGS))
    for index in range(len(TREATMENT_PAGE_HEADINGS)):
        link = contents.nth(index)
        target = link.get_attribute("href")
        link.click()
        expect(page).to_have_url(re.compile(re.escape(target) + "$"))
        heading = page.locator(target)
        expect(heading).to_have_text(TREATMENT_PAGE_HEADINGS[index])
        expect(heading).to_be_in_viewport()

    page.locator(".enquire-panel a", has_text="Enquire about this treatment").click()
    expect(page).to_have_url(site + "/enquire/?treatment=dry-needling")
    expect(page.locator("#id_treatment")).to_have_value("dry-needling")

    page.fill("#id_name", "Pat Patient")
    page.fill("#id_email", "pat.example.com")
    page.fill("#id_message", "Could dry needling help my sore shoulder?")
    page.click(".enquiry-form button[type=submit]")

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    links = summary.locator("a")
    expect(links).to_have_text(
        [
            "Enter an email address in the correct format, like name@example.com",
            "Tick the box to agree that we can use your details to reply to you",
        ]
    )
    # Each link in the summary moves focus to its field.
    for link, field in ((links.nth(0), "id_email"), (links.nth(1), "id_consent")):
        link.click()
        expect(page.locator(f"#{field}")).to_be_focused()
    # What was typed is kept.
    expect(page.locator("#id_name")).to_have_value("Pat Patient")
    expect(page.locator("#id_treatment")).to_have_value("dry-needling")

    page.fill("#id_email", "pat@example.com")
    page.check("#id_consent")
    page.click(".enquiry-form button[type=submit]")

    expect(page).to_have_url(site + "/enquire/thanks/")
    expect(page.locator("h1")).to_have_text("Enquiry sent")
    reference = page.locator(".reference").inner_text().strip()
    assert reference

    enquiry = Enquiry.objects.get(reference=reference)
    assert enquiry.email == "pat@example.com"
    assert enquiry.name == "Pat Patient"
    assert enquiry.treatment == Treatment.objects.get(slug="dry-needling")
    assert enquiry.consent_given
    assert Enquiry.objects.count() == 1


def test_favicon_ico_is_served(page, site):
    # Fetched, not navigated to: Chromium treats an .ico page as a download.
    response = page.context.request.get(site + "/favicon.ico")
    assert response.status == 200
    assert response.body()[:4] == b"\0\0\1\0"
    assert response.headers["content-type"] in {
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
