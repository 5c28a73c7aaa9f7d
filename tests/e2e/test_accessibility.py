"""axe-core (WCAG 2.2 AA + best practice) finds nothing on any page."""

import pytest

from scripts.browser import AXE_JS
from tests.helpers import (
    PAGE_NAMES,
    describe,
    open_page,
    require_node_tool,
    run_axe,
)


@pytest.fixture
def axe_page(new_context, site):
    require_node_tool(AXE_JS, "axe-core (node_modules/axe-core)")
    # A strict Content-Security-Policy would block injecting axe.
    return new_context(bypass_csp=True).new_page()


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_axe_finds_no_violations(axe_page, site, name):
    open_page(axe_page, site, name)
    result = run_axe(axe_page)
    assert result["passes"], "axe ran no passing checks: did it run at all?"
    assert describe(result["violations"]) == []


# WCAG 1.4.11: a form control's border is what shows where to type or tick, so
# it needs 3:1 against the page (axe does not check this).
BORDER_CONTRASTS = """() => {
  const luminance = rgb => {
    const [r, g, b] = rgb.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const page = luminance(getComputedStyle(document.body).backgroundColor);
  return Array.from(document.querySelectorAll(
      '.enquiry-form input:not([type=hidden]), .enquiry-form select, ' +
      '.enquiry-form textarea'))
    .filter(el => el.getClientRects().length)
    .map(el => {
      const border = luminance(getComputedStyle(el).borderTopColor);
      const [hi, lo] = [Math.max(page, border), Math.min(page, border)];
      return [el.id, Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100];
    });
}"""


@pytest.mark.parametrize("name", ["enquiry", "enquiry-errors"])
def test_form_control_borders_have_3_to_1_contrast(new_context, site, name):
    page = new_context().new_page()
    open_page(page, site, name)
    contrasts = dict(page.evaluate(BORDER_CONTRASTS))
    assert len(contrasts) >= 7  # name, email, phone, 2 radios, select, message...
    assert {k: v for k, v in contrasts.items() if v < 3} == {}
