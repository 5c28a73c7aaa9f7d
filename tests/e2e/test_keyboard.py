"""The same journey with the keyboard only: Tab, Shift+Tab, Enter and Space."""

import pytest
from playwright.sync_api import expect

from enquiries.models import Enquiry
from tests.helpers import focus_state, follow, press, tab_until

# Where focus is, and whether a person can see it. ------------------------------

# Marks every element a Tab press should reach, in document order, and returns
# how many there are. A radio group is one stop (its checked radio, or the
# first when none is checked); hidden and inert things are none.
MARK_TAB_STOPS = """() => {
  const candidates = document.querySelectorAll(
    'a[href], button, input, select, textarea, [tabindex]');
  const groups = new Set();
  let index = 0;
  for (const el of candidates) {
    el.removeAttribute('data-tab-stop');
    if (el.tabIndex < 0 || el.disabled || !el.getClientRects().length) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    if (el.type === 'radio') {
      const checked = document.querySelector(
        `input[type=radio][name="${el.name}"]:checked`);
      if (groups.has(el.name) || (checked && checked !== el)) continue;
      groups.add(el.name);
    }
    el.setAttribute('data-tab-stop', String(index++));
  }
  return index;
}"""


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page, site):
    page.goto(site + "/treatments/dry-needling/")
    state = press(page, "Tab")
    assert state["text"] == "Skip to main content"
    press(page, "Enter")
    expect(page.locator("main")).to_be_focused()
    # The next stop is inside the content, past the header's links.
    state = press(page, "Tab")
    expect(page.locator("main :focus")).to_have_count(1)
    assert state["text"] == "Home"  # the breadcrumb's first link


@pytest.mark.parametrize(
    "path", ["/", "/treatments/dry-needling/", "/enquire/", "/privacy/"]
)
def test_tab_visits_every_control_in_order_and_lets_focus_leave(page, site, path):
    page.goto(site + path)
    stops = page.evaluate(MARK_TAB_STOPS)
    assert stops > 3
    for expected in range(stops):
        state = press(page, "Tab")
        assert state is not None and state["stop"] == str(expected), state
    # Past the last control focus leaves the page: nothing traps it ...
    page.keyboard.press("Tab")
    assert focus_state(page) is None
    # ... and Shift+Tab walks back through the same stops.
    for expected in reversed(range(stops)):
        state = press(page, "Shift+Tab")
        assert state is not None and state["stop"] == str(expected), state


def wait_until_still(page):
    """Wait (at most about 2 s) until the page has stopped scrolling."""
    last = None
    for _ in range(40):
        now = page.evaluate("() => window.scrollY")
        if now == last:
            return
        last = now
        page.wait_for_timeout(50)


def test_keyboard_only_patient_sends_an_enquiry(page, site):
    page.goto(site + "/")
    press(page, "Tab")
    press(page, "Enter")  # skip link
    tab_until(page, lambda s: s["text"] == "Dry needling")
    follow(page)
    expect(page).to_have_url(site + "/treatments/dry-needling/")

    # An "On this page" link, followed with Enter, jumps to its section
    # (once the smooth scroll that brought the link into view has stopped, as
    # it has for a person; an Enter mid-scroll cancels the jump in Chromium).
    tab_until(page, lambda s: s["text"] == "Limitations")
    wait_until_still(page)
    press(page, "Enter")
    expect(page).to_have_url(site + "/treatments/dry-needling/#limitations")
    expect(page.locator("#limitations")).to_be_in_viewport()

    # From the Limitations section on, the next link of that name is the button
    # at the end of the page.
    state = tab_until(page, lambda s: s["text"] == "Enquire about this treatment")
    assert state["href"] == "/enquire/?treatment=dry-needling"
    follow(page)
    expect(page).to_have_url(site + "/enquire/?treatment=dry-needling")
    expect(page.locator("#id_treatment")).to_have_value("dry-needling")

    tab_until(page, lambda s: s["id"] == "id_name")
    page.keyboard.type("Kim Keyboard")
    tab_until(page, lambda s: s["id"] == "id_email")
    page.keyboard.type("kim-at-example.com")
    tab_until(page, lambda s: s["id"] == "id_message")
    page.keyboard.type("Can I have this if I take blood thinners?")
    state = tab_until(page, lambda s: s["tag"] == "button")
    assert state["text"] == "Send enquiry"
    follow(page)

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    state = press(page, "Tab")
    assert state["text"].startswith("Enter an email address")
    press(page, "Enter")
    expect(page.locator("#id_email")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("kim@example.com")

    state = tab_until(
        page, lambda s: s["text"].startswith("Tick the box"), key="Shift+Tab"
    )
    press(page, "Enter")
    expect(page.locator("#id_consent")).to_be_focused()
    press(page, "Space")
    expect(page.locator("#id_consent")).to_be_checked()
    tab_until(page, lambda s: s["tag"] == "button")
    follow(page)

    expect(page).to_have_url(site + "/enquire/thanks/")
    reference = page.locator(".reference").inner_text().strip()
    enquiry = Enquiry.objects.get(reference=reference)
    assert enquiry.email == "kim@example.com"
    assert enquiry.treatment.slug == "dry-needling"
