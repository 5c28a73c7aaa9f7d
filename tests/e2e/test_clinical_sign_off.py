"""Clinical sign-off in a real browser.

The whole loop: a content editor changes a point of the shipped Dry needling
page and saves; patients still see the approved text; a clinical reviewer
finds the waiting change, reads the word-level difference, writes a "what
changed" note and approves; patients then see the new text, who reviewed it
and the note. The editor (who here also holds the reviewer role) cannot
approve their own change. Then axe on the sign-off screens (history,
compare, review, the revision list, "reviewed, no changes") at 1280 and
375 px. Everyone signs in with password and app code, as staff do.
"""

import importlib
from uuid import uuid4

import pytest
from playwright.sync_api import expect

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

PAGE = "/treatments/dry-needling/"
OLD_TEXT = "Relieves muscular tightness and trigger point pain effectively"
NEW_TEXT = "Relieves muscular tightness and trigger point pain for many people"
NOTE = "Says the pain relief is not the same for everyone"
REVIEWER_NAME, REVIEWER_ROLE = "Dr A. Example", "Consultant in Sports Medicine"
REVIEWER_LINE = f"{REVIEWER_NAME}, {REVIEWER_ROLE}"

ROLES = importlib.import_module(
    "clinical_review.migrations.0002_clinical_reviewers_group"
)
# What the "Content editors" group gives on treatment pages (the migrations of
# treatments and practitioners), and the revisions they may read.
EDITOR_PERMISSIONS = [
    ("treatments", f"{action}_{model}")
    for model in ["treatment", "treatmentpoint", "treatmentquestion", "treatmentsource"]
    for action in ["add", "change", "delete", "view"]
] + ROLES.EDITOR_PERMISSIONS


def _group(name, permissions):
    """The role's group as its data migration makes it: the live server's
    database is flushed between tests, groups included."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.get_or_create(name=name)
    wanted = Q()
    for app_label, codename in permissions:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    found = Permission.objects.filter(wanted)
    assert found.count() == len(set(permissions))
    group.permissions.set(found)
    return group


def _staff(*, editor=False, reviewer=None):
    """A staff member with an authenticator app; `reviewer` is their
    (display name, role) for the public line."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clinical_review.models import ReviewerProfile
    from tests.factories import StaffFactory

    user = StaffFactory(
        username=f"staff-{uuid4().hex[:8]}",
        password=STAFF_PASSWORD,
        first_name="Edith" if editor else "Rhys",
        last_name="Editor" if editor else "Reviewer",
    )
    if editor:
        user.groups.add(_group(ROLES.EDITORS, EDITOR_PERMISSIONS))
    if reviewer:
        user.groups.add(_group(ROLES.REVIEWERS, ROLES.REVIEWER_PERMISSIONS))
        display_name, role = reviewer
        ReviewerProfile.objects.create(user=user, display_name=display_name, role=role)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app")
    return user, device


def sign_in(page, site, user, device):
    enter_password(page, site, user.username)
    response = enter_code(page, app_code(device))
    expect(page.locator("#user-tools")).to_contain_text(user.first_name)
    return response


def test_an_editors_change_reaches_patients_only_once_a_reviewer_approved_it(
    new_context, site
):
    from clinical_review.models import Revision, RevisionStatus
    from treatments.models import Treatment

    dry_needling = Treatment.objects.get(slug="dry-needling")
    # The editor holds both roles: their own change still needs another
    # reviewer (four-eyes rule).
    editor, editor_app = _staff(editor=True, reviewer=("Dr E. Editor", "GP"))
    reviewer, reviewer_app = _staff(reviewer=(REVIEWER_NAME, REVIEWER_ROLE))

    patient = new_context().new_page()
    assert patient.goto(site + PAGE).status == 200
    expect(patient.locator("main")).to_contain_text(OLD_TEXT)
    expect(patient.locator("main")).not_to_contain_text(REVIEWER_NAME)

    # 1. The editor changes one point of "Benefits" and saves.
    page = new_context().new_page()
    sign_in(page, site, editor, editor_app)
    page.goto(f"{site}{TREATMENT_CHANGELIST}{dry_needling.pk}/change/")
    point = page.locator("textarea").filter(has_text=OLD_TEXT)
    expect(point).to_have_count(1)
    point.fill(NEW_TEXT)
    assert submit(page, "input[name=_save]").status == 200
    expect(page.locator(".messagelist")).to_contain_text(
        "waiting for a clinical reviewer's approval"
    )
    expect(page.locator(".signoff-banner h2")).to_have_text(
        "Changes waiting for approval"
    )
    revision = Revision.objects.get(treatment=dry_needling, status="pending")
    assert revision.created_by == editor

    # Patients still see the approved text.
    assert patient.reload().status == 200
    expect(patient.locator("main")).to_contain_text(OLD_TEXT)
    expect(patient.locator("main")).not_to_contain_text(NEW_TEXT)

    # 2. The editor may approve (a reviewer too) but not their own change.
    with page.expect_navigation():
        page.get_by_role("link", name="Review the changes").click()
    refusal = page.locator(".errornote[role=alert]")
    expect(refusal).to_have_text(
        "You made this change, so another clinical reviewer must approve it "
        "(four-eyes rule)."
    )
    expect(page.locator("input[name=approve]")).to_have_count(0)
    # Nor through a hand-made POST of the approve button.
    token = page.locator("#logout-form input[name=csrfmiddlewaretoken]")
    crafted = page.request.post(
        page.url,
        form={
            "csrfmiddlewaretoken": token.input_value(),
            "approve": "Approve and publish",
            "change_note": "Approved by myself",
        },
    )
    assert crafted.status == 200
    assert "four-eyes rule" in crafted.text()
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PENDING

    # 3. The reviewer finds the waiting change in the page revisions.
    page = new_context().new_page()
    sign_in(page, site, reviewer, reviewer_app)
    with page.expect_navigation():
        page.get_by_role("link", name="Page revisions").first.click()
    row = page.locator("#result_list tbody tr").filter(has_text="Dry needling")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Waiting for approval")
    with page.expect_navigation():
        row.get_by_role("link", name="Review").click()
    expect(page.locator("h1")).to_have_text("Review changes to “Dry needling”")

    # The word-level difference: only the reworded words are marked.
    change = page.locator(".signoff-change").filter(has_text="pain")
    expect(change).to_have_count(1)
    expect(change.locator("del")).to_have_text("removed: effectively")
    expect(change.locator("ins")).to_have_text("added: for many people")
    expect(change.locator(".signoff-words")).to_contain_text(
        "Relieves muscular tightness and trigger point pain"
    )

    # 4. A note for patients, then approve.
    page.get_by_label("What changed, for patients (optional)").fill(NOTE)
    assert submit(page, "input[name=approve]").status == 200
    expect(page.locator(".messagelist")).to_contain_text(
        "Approved: patients now see the changes to “Dry needling”."
    )

    # 5. Patients see the new text, who reviewed it and what changed.
    assert patient.reload().status == 200
    main = patient.locator("main")
    expect(main).to_contain_text(NEW_TEXT)
    expect(main).not_to_contain_text(OLD_TEXT)
    expect(main.locator(".review-line")).to_contain_text(
        f"Reviewed by {REVIEWER_LINE} on"
    )
    expect(main.locator(".review-line")).to_contain_text("Next review due")
    expect(main.locator(".change-note")).to_contain_text(f": {NOTE}")
    expect(main.locator(".change-note")).to_contain_text("Updated on")
    revision.refresh_from_db()
    assert (revision.status, revision.reviewed_by) == ("approved", reviewer)


# axe on the sign-off screens ---------------------------------------------------


def _history_with_a_waiting_change():
    """Dry needling with an approved change (with a note), a change sent
    back and one waiting, each by an editor; returns the treatment, the
    one sent back and the one waiting."""
    from clinical_review import services
    from clinical_review.documents import document
    from treatments.models import Treatment

    dry_needling = Treatment.objects.get(slug="dry-needling")
    editor, _ = _staff(editor=True)
    reviewer, _ = _staff(reviewer=(REVIEWER_NAME, REVIEWER_ROLE))

    def change(text):
        doc = document(dry_needling)
        point = next(p for p in doc["points"] if p["text"].startswith("Relieves"))
        point["text"] = text
        return services.submit(dry_needling, doc, editor)

    services.approve(
        change(NEW_TEXT), reviewer, "Says the relief is not the same for everyone"
    )
    sent_back = services.send_back(
        change("Relieves pain."), reviewer, "Please keep what it relieves."
    )
    waiting = change(
        "Relieves muscular tightness and trigger point pain for many people, "
        "though some people notice little change after the first sessions and "
        "the relief that follows treatment usually builds over several weeks."
    )
    return dry_needling, sent_back, waiting


@pytest.mark.parametrize("width", [1280, 375])
def test_the_sign_off_screens_have_no_axe_violations_and_fit_the_screen(
    new_context, site, width
):
    require_node_tool(AXE_JS, "axe-core (node_modules/axe-core)")
    treatment, sent_back, waiting = _history_with_a_waiting_change()
    # Someone with both roles sees every control: restore buttons, the
    # approve and send-back forms, "reviewed, no changes".
    user, device = _staff(editor=True, reviewer=("Dr B. Both", "Physiotherapist"))
    # Admin's strict Content-Security-Policy would block injecting axe.
    page = new_context(
        bypass_csp=True, viewport={"width": width, "height": 900}
    ).new_page()
    sign_in(page, site, user, device)
    admin = "/admin/clinical_review/revision/"
    # Each page, and what shows it is the page in the state to check.
    pages = {
        "history": (
            f"{TREATMENT_CHANGELIST}{treatment.pk}/history/",
            ".signoff-history button:has-text('Restore')",
        ),
        "compare": (
            f"{admin}compare/?treatment={treatment.pk}&old={sent_back.pk}&new=live",
            ".signoff-change del",
        ),
        "review": (f"{admin}{waiting.pk}/review/", "input[name=approve]"),
        "revisions": (admin, "#result_list a:has-text('Review')"),
        "confirm": (f"{admin}confirm/{treatment.pk}/", "#id_change_note"),
    }
    found = {}
    for name, (path, shows) in pages.items():
        response = page.goto(site + path)
        assert response.status == 200, (name, response.status)
        assert page.locator(shows).count() >= 1, (name, shows)
        # Nothing wider than the screen (a phone would scroll sideways).
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            found[name] = [f"{wide} px wide at {width} px"]
        result = run_axe(page)
        assert result["passes"], f"axe ran no passing checks on {name}"
        problems = describe(result["violations"])
        if problems:
            found[name] = found.get(name, []) + problems
    assert found == {}, "\n".join(
        ["", *(f"{name}: {p}" for name, ps in found.items() for p in ps)]
    )
