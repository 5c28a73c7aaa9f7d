"""PNGs of the main pages at desktop and phone widths.

    python -m scripts.screenshots  (what `make screenshots` runs)

Writes docs/screenshots/<page>-<desktop|phone>.png from gunicorn (local
settings, DEBUG off) with the shipped content, in Debian's Chromium, which
reaches 127.0.0.1 only.
"""

import secrets
import sys

from playwright.sync_api import expect, sync_playwright

from scripts.browser import CHROMIUM, CHROMIUM_FLAGS, ROOT, loopback_only
from scripts.server import running_site

OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}
ADMIN_USER = "screenshots"
BACKUP_CODES = """
from django.contrib.auth.models import User
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
user = User.objects.get(username={0!r})
TOTPDevice.objects.create(user=user, name="Authenticator app")
device = StaticDevice.objects.create(user=user, name="Backup codes")
for token in {1!r}:
    device.token_set.create(token=token)
"""


def shoot(page, name, device):
    page.wait_for_load_state()
    path = OUT / f"{name}-{device}.png"
    page.screenshot(path=path, full_page=True)
    print(f"wrote {path.relative_to(ROOT)}")


def enquiry_pages(page, base, device):
    page.goto(base + "/enquire/?treatment=dry-needling")
    page.fill("#id_name", "Sam Example")
    page.fill("#id_email", "sam.example.com")
    page.click(".enquiry-form button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    # The summary has focus: take it away so the picture shows the resting page.
    page.locator("h1").evaluate("h => h.scrollIntoView()")
    shoot(page, "enquiry-errors", device)
    page.fill("#id_email", "sam@example.com")
    page.fill("#id_message", "Could dry needling help my sore shoulder?")
    page.check("#id_consent")
    page.click(".enquiry-form button[type=submit]")
    expect(page).to_have_url(base + "/enquire/thanks/")
    shoot(page, "thanks", device)


def admin_page(page, base, password, backup_code, device):
    """Sign in with the password and a backup code (the second factor), then
    the treatment form and the enquiry queue."""
    page.goto(base + "/admin/login/?next=/admin/treatments/treatment/")
    page.fill("#id_username", ADMIN_USER)
    page.fill("#id_password", password)
    page.click("#login-form [type=submit]")
    page.fill("#id_code", backup_code)
    page.click("#code-form [type=submit]")
    page.locator("#result_list a", has_text="Dry needling").first.click()
    expect(page.locator("#treatment_form")).to_be_visible()
    shoot(page, "admin-treatment", device)
    page.goto(base + "/admin/enquiries/enquiry/?queue=all")
    expect(page.locator("#changelist")).to_be_visible()
    shoot(page, "admin-enquiries", device)


def main():
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: install it with `apt-get install chromium`")
    OUT.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    # One backup code per width: each can be used once.
    backup_codes = {device: f"{secrets.randbelow(10**8):08d}" for device in WIDTHS}
    strays = []
    setup = [
        [
            "createsuperuser",
            "--noinput",
            "--username",
            ADMIN_USER,
            "--email",
            "s@example.com",
        ],
        ["shell", "-c", BACKUP_CODES.format(ADMIN_USER, list(backup_codes.values()))],
    ]
    with (
        running_site(
            production=False,
            setup=setup,
            extra_env={"DJANGO_SUPERUSER_PASSWORD": password},
        ) as (base, _env, _tmp),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        for device, (width, height) in WIDTHS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                is_mobile=device == "phone",
                has_touch=device == "phone",
                reduced_motion="reduce",
            )
            loopback_only(context, strays)
            page = context.new_page()
            page.goto(base + "/")
            shoot(page, "home", device)
            page.goto(base + "/treatments/dry-needling/")
            shoot(page, "treatment", device)
            page.goto(base + "/team/")
            shoot(page, "team", device)
            page.goto(base + "/visit/")
            shoot(page, "visit", device)
            enquiry_pages(page, base, device)
            admin_page(page, base, password, backup_codes[device], device)
            context.close()
        browser.close()
    if strays:
        sys.exit(f"the browser tried to leave 127.0.0.1: {strays}")


if __name__ == "__main__":
    main()
