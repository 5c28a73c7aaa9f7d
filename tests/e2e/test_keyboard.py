"""The same journey with the keyboard only: Tab, Shift+Tab, Enter and Space."""

import pytest
from playwright.sync_api import expect

from enquiries.models import Enquiry

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

FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow !== 'none';
  const onScreen = rect.width > 0 && rect.height > 0 && rect.bottom > 0 &&
    rect.right > 0 && rect.top < innerHeight && rect.left < innerWidth;
  return {
    stop: el.getAttribute('data-tab-stop'),
    id: el.id,
    href: el.getAttribute('href') || '',
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || el.value || '').trim().slice(0, 60),
    visible: (outline || shadow) && onScreen,
  };
}"""


def focus_state(page):
    return page.evaluate(FOCUS_STATE)


def press(page, key):
    """Press one key and check that whatever has focus now shows it.

    Bootstrap scrolls smoothly, so the focused control may take a moment to
    come into view: look again, up to 60 times in about three seconds.
    """
    page.keyboard.press(key)
    for _ in range(60):
        state = focus_state(page)
        if state is None or state["visible"]:
            return state
        page.wait_for_timeout(50)
    raise AssertionError(f"focus is not visible after {key}: {state}")


def tab_until(page, matches, *, key="Tab", limit=60):
    """Press Tab (or Shift+Tab) until `matches(state)`; at most `limit` presses."""
    for _ in range(limit):
        state = press(page, key)
        if state is not None and matches(state):
            return state
    raise AssertionError(f"{limit} presses of {key} never reached the target")


def follow(page, key="Enter"):
    """Press a key that loads another page, and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


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


def test_keyboard_only_patient_sends_an_enquiry(page, site):
    page.goto(site + "/")
    press(page, "Tab")
    press(page, "Enter")  # skip link
    tab_until(page, lambda s: s["text"] == "Dry needling")
    follow(page)
    expect(page).to_have_url(site + "/treatments/dry-needling/")

    # An "On this page" link, followed with Enter, jumps to its section.
    tab_until(page, lambda s: s["text"] == "Limitations")
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
