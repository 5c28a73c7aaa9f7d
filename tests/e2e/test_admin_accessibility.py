"""axe-core finds nothing on the treatment editor, as a content editor sees it.

The change form of the shipped Dry needling page, the add form, the same
change form sent back with errors in a field and in a bullet row (the error
summary), and the treatment list with its filters. Signed in in the browser,
password then app code, as an editor is.
"""

from uuid import uuid4

import pytest

from scripts.browser import AXE_JS
from tests.helpers import (
    STAFF_PASSWORD,
    TREATMENT_CHANGELIST,
    app_code,
    describe,
    enter_code,
    enter_password,
    require_node_tool,
    run_axe,
    submit,
)

ADMIN_PAGES = [
    "admin-treatment-change",
    "admin-treatment-add",
    "admin-treatment-errors",
    "admin-treatments",
]


def sign_in_as_content_editor(page, site):
    """A new content editor (the permissions the "Content editors" group
    gives: the live server's database is flushed between tests, groups
    included), signed in with password and app code."""
    from django.contrib.auth.models import Permission
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import StaffFactory

    user = StaffFactory(username=f"editor-{uuid4().hex[:8]}", password=STAFF_PASSWORD)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="treatments",
            codename__in=[
                f"{action}_{model}"
                for model in ["treatment", "treatmentpoint"]
                for action in ["add", "change", "delete", "view"]
            ],
        ),
        *Permission.objects.filter(
            content_type__app_label="clinical_review", codename="view_revision"
        ),
    )
    device = TOTPDevice.objects.create(user=user, name="Authenticator app")
    enter_password(page, site, user.username)
    enter_code(page, app_code(device))
    return user


def open_admin_page(page, site, name):
    """Show treatment admin page `name` (one of ADMIN_PAGES) to a content editor."""
    from treatments.models import Treatment

    sign_in_as_content_editor(page, site)
    dry_needling = Treatment.objects.get(slug="dry-needling")
    # The shipped page has no questions or sources: one of each, so their
    # rows are checked too.
    dry_needling.questions.create(
        order=1, question="Does it hurt?", answer="You may feel a brief ache."
    )
    dry_needling.sources.create(order=1, title="A trial", publisher="A journal")
    change = f"{TREATMENT_CHANGELIST}{dry_needling.pk}/change/"
    path = {
        "admin-treatment-change": change,
        "admin-treatment-add": TREATMENT_CHANGELIST + "add/",
        "admin-treatment-errors": change,
        "admin-treatments": TREATMENT_CHANGELIST,
    }[name]
    response = page.goto(site + path)
    assert response.status == 200, (name, response.status)
    if name == "admin-treatment-errors":
        # An empty name and an empty bullet of "What it treats".
        page.fill("#id_name", "")
        page.fill("textarea[name='points-0-text']", "")
        response = submit(page, "input[name=_continue]")
        assert response.status == 200
        page.wait_for_selector(".error-summary")
    page.wait_for_load_state()
    return response


@pytest.fixture
def admin_axe_page(new_context, site):
    require_node_tool(AXE_JS, "axe-core (node_modules/axe-core)")
    # Admin's strict Content-Security-Policy would block injecting axe.
    return new_context(bypass_csp=True).new_page()


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_axe_finds_no_violations_in_the_treatment_editor(admin_axe_page, site, name):
    open_admin_page(admin_axe_page, site, name)
    result = run_axe(admin_axe_page)
    assert result["passes"], "axe ran no passing checks: did it run at all?"
    problems = describe(result["violations"])
    assert problems == [], "\n".join(["", *problems])


@pytest.fixture
def editor_page(new_context, site):
    return new_context().new_page()


@pytest.mark.parametrize("form", ["change", "add"])
def test_the_error_summary_has_the_focus_when_the_form_comes_back(
    editor_page, site, form
):
    from playwright.sync_api import expect

    page = editor_page
    if form == "change":
        open_admin_page(page, site, "admin-treatment-errors")
    else:
        open_admin_page(page, site, "admin-treatment-add")
        page.fill("#id_summary", "A summary")
        submit(page, "input[name=_continue]")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    # Its links lead to the inputs: the first is the emptied name.
    expect(summary.locator("a").first).to_have_attribute("href", "#id_name")


def test_a_link_in_the_error_summary_leads_to_the_bullet_in_error(editor_page, site):
    from playwright.sync_api import expect

    page = editor_page
    open_admin_page(page, site, "admin-treatment-errors")
    link = page.locator(".error-summary a[href='#id_points-0-text']")
    link.click()
    assert page.url.endswith("#id_points-0-text")
    box = page.locator("#id_points-0-text")
    # The browser moves the focus to the linked input, no script needed...
    expect(box).to_be_focused()
    # ...and scrolls it into view with room above for its label or its
    # table's headings (scroll-margin-top in admin-site.css).
    top, bottom = box.evaluate(
        "el => [el.getBoundingClientRect().top, el.getBoundingClientRect().bottom]"
    )
    assert top >= 40 and bottom <= 900, (top, bottom)


def test_the_focus_ring_shows_in_admin(editor_page, site):
    page = editor_page
    open_admin_page(page, site, "admin-treatment-change")
    page.locator("#id_name").focus()
    page.keyboard.press("Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    assert ring[0] == "solid" and ring[1] == "3px", ring
    # The yellow ring has a dark edge: it shows on light and dark backgrounds.
    assert "rgb(11, 12, 13)" in ring[2] or "rgb(11, 12, 12)" in ring[2], ring


def test_the_filter_links_are_big_enough_to_tap(editor_page, site):
    """WCAG 2.2 target size (2.5.8): 24 px high at least."""
    page = editor_page
    open_admin_page(page, site, "admin-treatments")
    heights = page.locator("#changelist-filter li a").evaluate_all(
        "links => links.map(a => a.getBoundingClientRect().height)"
    )
    assert len(heights) >= 6
    assert min(heights) >= 24, heights


def test_the_chosen_image_is_saved_after_correcting_another_field(
    editor_page, site, tmp_path, settings
):
    """The browser does not send the file again: the kept copy is saved."""
    from PIL import Image

    from treatments.models import Treatment

    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "tray.jpg"
    Image.new("RGB", (640, 480), "teal").save(photo, "JPEG")
    page = editor_page
    open_admin_page(page, site, "admin-treatment-add")
    page.fill("#id_summary", "A summary")
    page.set_input_files("#id_image", str(photo))
    page.fill("#id_image_alt", "Needles in a tray")
    submit(page, "input[name=_continue]")
    page.wait_for_selector(".error-summary")
    assert "“tray.jpg” is kept" in page.locator(".field-image").inner_text()
    page.fill("#id_name", "Cupping")
    page.fill("#id_overview", "What it is.")
    page.fill("#id_how_it_works", "How it works.")
    response = submit(page, "input[name=_save]")
    assert response.status == 200
    assert page.locator(".error-summary").count() == 0, page.locator(
        ".error-summary"
    ).inner_text()
    treatment = Treatment.objects.get(name="Cupping")
    assert treatment.image.name.startswith(f"treatments/{treatment.slug}-")
    assert treatment.image_renditions["jpeg"]["width"] == 640
