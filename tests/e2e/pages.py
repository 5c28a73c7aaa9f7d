"""The pages every audit covers, reached the way a visitor reaches them."""

from playwright.sync_api import expect

from tests.factories import valid_enquiry_data

PAGE_NAMES = [
    "home",
    "list",
    "treatment",
    "enquiry",
    "enquiry-errors",
    "thanks",
    "privacy",
    "404",
    "admin-login",
]

SIMPLE = {
    "home": "/",
    "list": "/treatments/",
    "treatment": "/treatments/dry-needling/",
    "enquiry": "/enquire/",
    "privacy": "/privacy/",
    "404": "/no-such-page/",
    "admin-login": "/admin/login/",
}


def open_page(page, site, name):
    """Show page `name`; return the HTML the server sent for it."""
    if name in SIMPLE:
        response = page.goto(site + SIMPLE[name])
        expected = 404 if name == "404" else 200
        assert response.status == expected, (name, response.status)
        return response.text()
    page.goto(site + "/enquire/")
    if name == "thanks":
        data = valid_enquiry_data()
        page.fill("#id_name", data["name"])
        page.fill("#id_email", data["email"])
        page.fill("#id_message", data["message"])
        page.check("#id_consent")
    with page.expect_navigation() as navigation:
        page.click("button[type=submit]")
    response = navigation.value
    if name == "thanks":
        expect(page).to_have_url(site + "/enquire/thanks/")
        expect(page.locator(".reference")).not_to_be_empty()
    else:
        expect(page.locator(".error-summary")).to_be_visible()
    page.wait_for_load_state()
    return response.text()
