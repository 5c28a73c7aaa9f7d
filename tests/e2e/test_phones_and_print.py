"""Small screens and paper: the pages still work at 320 px, 375 px and in print."""

import pytest
from playwright.sync_api import expect

from tests.helpers import TREATMENT_PAGE_HEADINGS, valid_enquiry_data

# Every visible text's font size, every visible control's size, and whether
# the page is wider than the window.
LAYOUT_FACTS = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length) continue;
    if (el.closest('.visually-hidden, .skip-link, [hidden]')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 16) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  const tiny = [];
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const el of controls) {
    if (el.closest('.skip-link') || el.classList.contains('skip-link')) continue;
    if (!el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 24 || r.height < 24) {
      tiny.push(`${Math.round(r.width)}x${Math.round(r.height)}: ` +
        `${el.tagName} ${(el.textContent || el.name || '').trim().slice(0, 30)}`);
    }
  }
  return {
    overflow: document.documentElement.scrollWidth - innerWidth,
    small,
    tiny,
  };
}"""

PAGES = [
    "/",
    "/treatments/",
    "/treatments/dry-needling/",
    "/enquire/",
    "/privacy/",
    "/no-such-page/",
]


@pytest.mark.parametrize("width", [320, 375])
def test_phone_pages_fit_with_big_enough_text_and_tap_targets(new_context, site, width):
    context = new_context(
        viewport={"width": width, "height": 700}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    for path in PAGES:
        response = page.goto(site + path)
        assert response.status == (404 if path == "/no-such-page/" else 200), path
        assert_fits(page, width, path)
    # The form with errors, and the thanks page.
    page.goto(site + "/enquire/")
    page.click(".enquiry-form button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert_fits(page, width, "/enquire/ (errors)")
    data = valid_enquiry_data()
    page.fill("#id_name", data["name"])
    page.fill("#id_email", data["email"])
    page.fill("#id_message", data["message"])
    page.check("#id_consent")
    page.click(".enquiry-form button[type=submit]")
    expect(page).to_have_url(site + "/enquire/thanks/")
    assert_fits(page, width, "/enquire/thanks/")


def assert_fits(page, width, label):
    page.wait_for_load_state()  # stylesheets in, so sizes are the real ones
    facts = page.evaluate(LAYOUT_FACTS)
    assert facts["overflow"] <= 0, f"{label} scrolls sideways at {width}px"
    assert facts["small"] == [], f"{label}: text under 16px at {width}px"
    assert facts["tiny"] == [], f"{label}: tap targets under 24x24 at {width}px"


@pytest.mark.parametrize("java_script_enabled", [True, False], ids=["js", "nojs"])
def test_treatment_page_prints_content_without_navigation(
    new_context, site, java_script_enabled
):
    page = new_context(java_script_enabled=java_script_enabled).new_page()
    page.goto(site + "/treatments/dry-needling/")
    expect(page.locator(".site-header nav")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in [
        ".site-header nav",
        ".site-footer",
        ".breadcrumbs",
        "nav.contents",
        ".skip-link",
        "a.btn",
    ]:
        elements = page.locator(hidden).all()
        assert elements, f"nothing on the page matches {hidden}"
        for element in elements:
            expect(element).to_be_hidden()
    expect(page.locator("h1")).to_have_text("Dry needling")
    for heading in page.locator(".treatment-body section h2").all():
        expect(heading).to_be_visible()
    expect(page.locator(".treatment-body section h2")).to_have_count(
        len(TREATMENT_PAGE_HEADINGS)
    )
    # The "At a glance" box and its safety point print too.
    expect(page.locator(".at-a-glance__caution li")).to_be_visible()
    review = page.locator(".review-line")
    expect(review).to_be_visible()
    # The shipped page claims no review nobody did (clinical sign-off).
    expect(review).to_contain_text("not been clinically reviewed yet")
    # And Chromium really lays it out on paper.
    assert page.pdf(format="A4")[:4] == b"%PDF"
