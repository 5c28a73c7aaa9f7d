"""Helpers shared by the test modules.

Fixtures and hooks live in conftest.py, factories in factories.py. A test
module imports helpers from here only, never from conftest or another test.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse
from django.utils.http import urlencode

from scripts.browser import AXE_JS, CHROMIUM
from scripts.server import running_site
from treatments.models import Section

# Pages -------------------------------------------------------------------------


def _holds_a_file(data):
    values = data.values() if hasattr(data, "values") else []
    return any(
        hasattr(item, "read")
        for value in values
        for item in (value if isinstance(value, list | tuple) else [value])
    )


class BrowserClient(Client):
    """Django's test client, posting forms as a browser does.

    A dict without files goes as application/x-www-form-urlencoded, as from a
    form with no file input; one with a file as multipart/form-data. The plain
    test client sends every dict as multipart, which the site accepts only
    from signed-in staff on admin pages (clinic_site/request_limits.py).
    """

    def post(self, path, data=None, content_type=None, *args, **kwargs):
        if content_type is None:
            if _holds_a_file(data):
                content_type = MULTIPART_CONTENT
            else:
                data = urlencode(data or {}, doseq=True)
                content_type = "application/x-www-form-urlencoded"
        return super().post(path, data, content_type, *args, **kwargs)


def soup(response):
    """Parse a response's HTML for structural assertions."""
    return BeautifulSoup(response.content.decode(), "html.parser")


def form_data(response, form_id):
    """What a browser would POST from the form `form_id` of a page, untouched.

    Lets admin tests change one field of a real change form (inline
    management forms included) instead of rebuilding it by hand.
    """
    form = soup(response).find("form", id=form_id)
    assert form is not None, f"no form #{form_id}"
    data = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or "__prefix__" in name:
            continue
        if element.name == "textarea":
            value = element.text
            values = [value[1:] if value.startswith("\n") else value]
        elif element.name == "select":
            options = element.find_all("option")
            values = [o.get("value", "") for o in options if o.has_attr("selected")]
            if not values and options and not element.has_attr("multiple"):
                values = [options[0].get("value", "")]
        else:
            kind = element.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                continue
            if kind in ("checkbox", "radio") and not element.has_attr("checked"):
                continue
            values = [element.get("value", "on" if kind == "checkbox" else "")]
        data.setdefault(name, []).extend(values)
    return {name: v[0] if len(v) == 1 else v for name, v in data.items()}


# Admin -------------------------------------------------------------------------

TREATMENT_CHANGELIST = "/admin/treatments/treatment/"
ENQUIRY_CHANGELIST = "/admin/enquiries/enquiry/"


def admin_change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def post_change(client, target, **changes):
    """Send an admin change form back as a browser would, with `changes` made.

    `target` is a model instance (its change page) or the URL of any admin
    page that shows a change form: add, a history version, recover. Every
    field the test does not name goes back as the page showed it.
    """
    url = target if isinstance(target, str) else admin_change_url(target)
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    form = soup(page).select_one("#content-main form[id$=_form]")
    assert form is not None, f"no change form on {url}"
    data = form_data(page, form["id"])
    data.update(changes)
    return client.post(url, data)


def inline_prefix(section):
    """Admin prefixes the six point inlines points, points-2 ... points-6."""
    index = Section.values.index(section) + 1
    return "points" if index == 1 else f"points-{index}"


def field_errors(response, field):
    """The error messages admin shows on one field's row."""
    row = soup(response).select_one(f".field-{field}")
    errors = row.select(".errorlist li") if row else []
    return [error.text for error in errors]


# Staff sign-in (two factors) ---------------------------------------------------


def app_code(device, at=None):
    """The code `device` (a TOTPDevice) shows at `at` (a Unix time; now)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(client, user):
    """Mark `client`'s session (signed in as `user`) as having passed the
    second factor, with the user's app (one is made if they have none)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


class StaffClient(BrowserClient):
    """The test client (posting as a browser does), whose force_login signs
    in as staff really do: with the second factor passed.
    `second_factor=False` leaves a session that has not passed it (one from
    before two-factor sign-in, or whose device was reset)."""

    def force_login(self, user, backend=None, *, second_factor=True):
        super().force_login(user, backend)
        if second_factor:
            pass_second_factor(self, user)


# Enquiries ---------------------------------------------------------------------


# The h2 headings of a treatment page with every section filled, top to bottom
# (written out, not read from treatments.layout, so a layout change shows).
TREATMENT_PAGE_HEADINGS = [
    "Overview",
    "What it treats",
    "How it works",
    "Benefits",
    "Limitations",
    "Side effects & considerations",
    "Procedure & aftercare",
    "Practical details",
    "Who provides this treatment",
    "Enquire about this treatment",
]


def valid_enquiry_data(**overrides):
    """POST data for a valid enquiry form."""
    data = {
        "name": "Pat Patient",
        "email": "pat@example.com",
        "phone": "",
        "preferred_contact": "email",
        "treatment": "",
        "message": "Could dry needling help my sore shoulder?",
        "consent": "on",
    }
    data.update(overrides)
    return data


class FailingBackend(BaseEmailBackend):
    """An email backend that behaves like an SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


# Services down -----------------------------------------------------------------

# Redis that is down: nothing listens on loopback port 1, so connecting fails
# at once. Set as settings.CACHES to test the site without its cache.
CLOSED_PORT_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@contextlib.contextmanager
def silent_port():
    """A loopback port that accepts connections and never sends a byte (a hung
    SMTP server, say), closed on exit. Yields the port number."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()


# Settings in a fresh process ---------------------------------------------------

CHECK = "import django; django.setup(); from django.conf import settings; "


def settings_env(tmp_path, **env_vars):
    """This process's environment without the site's variables, plus env_vars."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "EMAIL_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "clinic_site.settings",
            "DJANGO_VAR_DIR": str(tmp_path),
            **env_vars,
        }
    )
    return env


def run_settings(tmp_path, code, **env_vars):
    """Run `code` after django.setup() in a new Python with only `env_vars` set."""
    env = settings_env(tmp_path, **env_vars)
    return subprocess.run(
        [sys.executable, "-c", CHECK + code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# A production gunicorn ---------------------------------------------------------


@contextlib.contextmanager
def production_site(log_dir, setup=(), **env_vars):
    """scripts.server.running_site with production settings and env_vars, its
    gunicorn's stdout and stderr (gunicorn's error log and Django's log lines)
    kept in one file. Yields (base URL, env, its tmp dir, the log's path)."""
    log = log_dir / "gunicorn.log"
    env_vars["GUNICORN_CMD_ARGS"] = f"--error-logfile {log} --capture-output"
    site = running_site(production=True, setup=setup, extra_env=env_vars)
    with site as (base, env, tmp):
        yield base, env, tmp, log


# Browser tests -----------------------------------------------------------------
# On a developer machine a missing tool skips the tests that need it, with one
# line saying how to install it. Under CI=true a missing tool is a failure.

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, what: str, how: str) -> None:
    """Skip (developer machine) or fail (CI) when a tool is missing."""
    if available:
        return
    message = f"{what} is missing: {how}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def require_chromium() -> None:
    require(
        CHROMIUM.exists(),
        f"Chromium ({CHROMIUM})",
        "install it with `sudo apt-get install chromium` to run the browser tests",
    )


def require_node_tool(path: Path, name: str) -> None:
    require(
        path.exists(),
        name,
        "install Node.js/npm, then `npm ci --ignore-scripts` (make test does this "
        "when npm exists)",
    )


def require_java() -> None:
    require(
        shutil.which("java") is not None,
        "Java (for the Nu HTML Checker)",
        "install it with `sudo apt-get install default-jre-headless`",
    )


# Keyboard (browser tests): where focus is, and whether a person can see it.

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


# The pages every browser audit covers, reached the way a visitor reaches them.
PAGE_NAMES = [
    "home",
    "list",
    "treatment",
    "updates",
    "team",
    "visit",
    "enquiry",
    "enquiry-errors",
    "thanks",
    "enquiry-already-sent",
    "privacy",
    "conditions",
    "condition",
    "search",
    "search-results",
    "search-corrected",
    "search-no-results",
    "search-suggestion",
    "404",
    "admin-login",
    # Staff sign-in after the password (staff_access), each from a fresh start.
    "sign-in-set-up",
    "sign-in-backup-codes",
    "sign-in-code",
    "sign-in-code-error",
    # The enquiry queue as an enquiry handler works it.
    "admin-enquiries",
    "admin-enquiry",
]

SIMPLE_PAGES = {
    "home": "/",
    "list": "/treatments/",
    "treatment": "/treatments/dry-needling/",
    "updates": "/treatments/dry-needling/updates/",
    "team": "/team/",
    "visit": "/visit/",
    "enquiry": "/enquire/",
    "privacy": "/privacy/",
    "conditions": "/conditions/",
    "condition": "/conditions/achilles-tendon-pain/",
    "search": "/search/",
    "search-results": "/search/?q=achilles",
    "search-corrected": "/search/?q=needeling",
    "search-no-results": "/search/?q=xyzzy",
    "search-suggestion": "/search/?q=nedlng",
    "404": "/no-such-page/",
    "admin-login": "/admin/login/",
}


def open_page(page, site, name):
    """Show page `name` (one of PAGE_NAMES); return the HTML the server sent."""
    from playwright.sync_api import expect

    if name.startswith("sign-in-"):
        return open_sign_in_page(page, site, name)
    if name.startswith("admin-enquir"):
        return open_enquiry_admin_page(page, site, name)
    if name in SIMPLE_PAGES:
        response = page.goto(site + SIMPLE_PAGES[name])
        expected = 404 if name == "404" else 200
        assert response.status == expected, (name, response.status)
        return response.text()
    page.goto(site + "/enquire/")
    if name in ("thanks", "enquiry-already-sent"):
        data = valid_enquiry_data()
        page.fill("#id_name", data["name"])
        page.fill("#id_email", data["email"])
        page.fill("#id_message", data["message"])
        page.check("#id_consent")
    with page.expect_navigation() as navigation:
        page.click(".enquiry-form button[type=submit]")
    response = navigation.value
    if name in ("thanks", "enquiry-already-sent"):
        expect(page).to_have_url(site + "/enquire/thanks/")
        expect(page.locator(".reference")).not_to_be_empty()
        if name == "enquiry-already-sent":
            # Back to the form after sending: it says so, with the reference.
            response = page.goto(site + "/enquire/")
            expect(page.locator(".notice--done .reference")).not_to_be_empty()
    else:
        expect(page.locator(".error-summary")).to_be_visible()
    page.wait_for_load_state()
    return response.text()


# Staff sign-in in the browser ------------------------------------------------

STAFF_PASSWORD = "a long and right password"


def submit(page, selector):
    """Click a submit button; return the response of the page it leads to."""
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def enter_password(page, site, username, password=STAFF_PASSWORD):
    """From a fresh browser (no cookies): admin's login page, then the
    password. Returns the response of the second step's page."""
    page.context.clear_cookies()
    page.goto(site + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    return submit(page, "#login-form [type=submit]")


def enter_code(page, code):
    page.fill("#id_code", code)
    return submit(page, "#code-form [type=submit]")


def open_enquiry_admin_page(page, site, name):
    """The enquiry queue, or one enquiry, signed in as an enquiry handler."""
    from datetime import timedelta
    from uuid import uuid4

    from django.contrib.auth.models import Permission
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import EnquiryFactory, StaffFactory

    user = StaffFactory(username=f"handler-{uuid4().hex[:8]}", password=STAFF_PASSWORD)
    # What the "Enquiry handlers" group gives (the live server's database is
    # flushed between tests, groups included).
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="enquiries",
            codename__in=["view_enquiry", "change_enquiry"],
        )
    )
    device = TOTPDevice.objects.create(user=user, name="Authenticator app")
    now = timezone.now()
    late = EnquiryFactory(reply_due_at=now - timedelta(days=1), phone="01632 960001")
    EnquiryFactory(reply_due_at=now + timedelta(days=1), owner=user)
    late.notes.create(author=user, text="Left a voicemail.")
    enter_password(page, site, user.username)
    enter_code(page, app_code(device))
    path = "/admin/enquiries/enquiry/"
    if name == "admin-enquiry":
        path += f"{late.pk}/change/"
    response = page.goto(site + path)
    assert response.status == 200, (name, response.status)
    return response.text()


def open_sign_in_page(page, site, name):
    """A sign-in page as a new or a returning staff member sees it."""
    from uuid import uuid4

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import StaffFactory

    user = StaffFactory(username=f"staff-{uuid4().hex[:8]}", password=STAFF_PASSWORD)
    if name.startswith("sign-in-code"):
        TOTPDevice.objects.create(user=user, name="Authenticator app")
    response = enter_password(page, site, user.username)
    if name == "sign-in-code-error":
        response = enter_code(page, "12345")
        assert response.status == 200
        page.wait_for_selector("#code-error")
    elif name == "sign-in-backup-codes":
        device = TOTPDevice.objects.get(user=user)
        response = enter_code(page, app_code(device))
        page.wait_for_selector(".backup-code")
    assert response.status == 200, (name, response.status)
    return response.text()


def approve_waiting(treatment):
    """Approve the change waiting on `treatment` as a clinical reviewer made
    for the purpose (clinical_review's rules, no shortcut)."""
    from clinical_review import services
    from clinical_review.models import ReviewerProfile
    from tests.factories import StaffFactory

    reviewer = StaffFactory(groups=["Clinical reviewers"])
    ReviewerProfile.objects.create(
        user=reviewer, display_name="Dr R. Example", role="General practitioner"
    )
    return services.approve(treatment.revisions.get(status="pending"), reviewer)


# axe-core: WCAG 2.2 AA and best practice, the rules every e2e audit runs.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def run_axe(page):
    """axe's results for the page (its context must bypass the CSP)."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )


def describe(violations):
    """axe violations in a line each: rule, impact, count, first targets."""
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']} -> "
        + "; ".join(n["target"][0] for n in v["nodes"][:5])
        for v in violations
    ]
