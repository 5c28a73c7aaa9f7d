"""A staff member signs in in a real browser: password, then a real TOTP code
worked out from the key the set-up page shows (as an authenticator app
does); backup codes read off the page and used once."""

import base64
import time

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.factories import StaffFactory
from tests.helpers import STAFF_PASSWORD, enter_code, enter_password, submit


def app_shows(key_text, step_ahead=0):
    """What an authenticator app shows for the key as the page displays it."""
    key = base64.b32decode(key_text.replace(" ", ""))
    # t0 moved back by one step gives the code of the step after now.
    return f"{totp(key, t0=-30 * step_ahead):06d}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_first_sign_in_sets_up_an_app_then_signs_in_with_codes(
    new_context, site, javascript
):
    StaffFactory(username="newcomer", password=STAFF_PASSWORD, is_superuser=True)
    page = new_context(java_script_enabled=javascript).new_page()
    clicks = 0

    # 1. Password (click 1).
    enter_password(page, site, "newcomer")
    clicks += 1
    expect(page.locator("h1")).to_have_text("Set up two-factor sign-in")
    expect(page.locator("img.qr-code")).to_be_visible()
    qr = page.locator("img.qr-code").evaluate("img => img.naturalWidth")
    assert qr > 0, "the QR code image did not load"
    key = page.locator("#totp-key").inner_text()

    # 2. The app's first code (click 2).
    set_up_step = int(time.time()) // 30
    enter_code(page, app_shows(key))
    clicks += 1
    expect(page.locator("h1")).to_have_text("Your backup codes")
    codes = page.locator(".backup-code").all_inner_texts()
    assert len(codes) == 10

    # 3. On to admin (click 3).
    submit_link = page.locator("#content-main a.button")
    with page.expect_navigation():
        submit_link.click()
    clicks += 1
    expect(page.locator("#site-name")).to_have_text("Clinic staff admin")
    expect(page.locator("#user-tools")).to_contain_text("newcomer")
    assert clicks == 3

    # Signed out, back in with a backup code, typed as printed (with a space).
    submit(page, "#logout-form [type=submit]")
    enter_password(page, site, "newcomer")
    expect(page.locator("h1")).to_have_text("Enter your code")
    enter_code(page, codes[0])
    expect(page.locator("#user-tools")).to_contain_text("newcomer")

    # That backup code works only once.
    submit(page, "#logout-form [type=submit]")
    enter_password(page, site, "newcomer")
    enter_code(page, codes[0])
    expect(page.locator("#code-error")).to_contain_text("used already")

    # The app's next code (the first one was used at set-up): the code now,
    # or, if the 30 s step has not moved on yet, the next step's code. On a
    # slow machine the step may have moved on, and "one ahead" of it would
    # then be two steps after the code used, which is refused.
    moved_on = int(time.time()) // 30 > set_up_step
    enter_code(page, app_shows(key, step_ahead=0 if moved_on else 1))
    expect(page.locator("#user-tools")).to_contain_text("newcomer")
