"""Keyboard helpers: where focus is, and whether a person can see it."""

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
