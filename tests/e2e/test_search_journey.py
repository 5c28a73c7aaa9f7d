"""From the home page to Dry needling by searching or by the A–Z, with the
keyboard only and on a phone, with JavaScript on and off."""

from playwright.sync_api import expect

from tests.helpers import follow, press, tab_until


def test_keyboard_search_box_to_results_to_treatment(page, site):
    page.goto(site + "/")
    # Skip link, the clinic's name, the main navigation, then the search box.
    state = tab_until(page, lambda s: s["id"] == "site-search-q")
    assert state["tag"] == "input"
    page.keyboard.type("achiles")
    follow(page)  # Enter submits the GET form
    expect(page).to_have_url(site + "/search/?q=achiles")
    expect(page.locator("h1")).to_have_text("Search results")
    tab_until(page, lambda s: s["text"] == "Dry needling")
    follow(page)
    expect(page).to_have_url(site + "/treatments/dry-needling/")


def test_keyboard_a_to_z_letter_to_condition_to_treatment(page, site):
    page.goto(site + "/conditions/")
    tab_until(page, lambda s: s["href"] == "#letter-A")
    press(page, "Enter")
    expect(page).to_have_url(site + "/conditions/#letter-A")
    tab_until(page, lambda s: s["text"] == "Achilles tendon pain")
    follow(page)
    expect(page).to_have_url(site + "/conditions/achilles-tendon-pain/")
    tab_until(page, lambda s: s["href"] == "/treatments/dry-needling/")
    follow(page)
    expect(page).to_have_url(site + "/treatments/dry-needling/")


def test_on_a_phone_achiles_reaches_dry_needling_in_two_steps(new_context, site):
    phone = new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = phone.new_page()
    page.goto(site + "/")
    box = page.locator("#site-search-q")
    expect(box).to_be_visible()
    # The header fits: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    # Step 1: type and search.
    box.fill("achiles")
    with page.expect_navigation():
        box.press("Enter")
    # Step 2: the treatment among the results.
    with page.expect_navigation():
        page.get_by_role("link", name="Dry needling").first.click()
    expect(page).to_have_url(site + "/treatments/dry-needling/")


def test_the_search_page_keeps_what_was_typed(page, site):
    page.goto(site + "/search/?q=achilles")
    expect(page.locator("#id_q")).to_have_value("achilles")
    expect(page.locator("#site-search-q")).to_have_value("achilles")
