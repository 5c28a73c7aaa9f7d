"""Upgrading in place to clinical sign-off (treatments 0009, clinical_review
0001-0002) keeps every treatment row and its review fields, adds the
"Clinical reviewers" role, and goes back and forth without losing a row. Runs
on SQLite and on PostgreSQL (CI's second pass)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("treatments", "0008_practical_details_questions_sources"),
    ("clinical_review", None),
]


def migrate(targets):
    """Migrate to `targets`; the models as they are there."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state([t for t in targets if t[1] is not None]).apps


def head():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_treatments_and_their_review_fields_survive_the_upgrade_and_back():
    old = migrate(BEFORE)
    Treatment = old.get_model("treatments", "Treatment")
    reviewer = "Dr A. Example, Consultant in Sports Medicine, " + "x" * 54
    assert len(reviewer) == 100  # the old column's whole width
    Treatment.objects.create(
        name="Dry needling",
        slug="dry-needling",
        summary="Summary.",
        overview="Overview.",
        how_it_works="How.",
        status="published",
        last_reviewed=datetime.date(2026, 1, 15),
        next_review_due=datetime.date(2027, 1, 15),
        reviewed_by=reviewer,
    )
    old.get_model("auth", "Group").objects.get_or_create(name="Content editors")

    new = migrate(head())
    row = new.get_model("treatments", "Treatment").objects.get(slug="dry-needling")
    assert (row.last_reviewed, row.next_review_due, row.reviewed_by) == (
        datetime.date(2026, 1, 15),
        datetime.date(2027, 1, 15),
        reviewer,
    )
    assert (row.review_interval_months, row.change_note, row.changed_on) == (
        12,
        "",
        None,
    )
    Group = new.get_model("auth", "Group")
    reviewers = set(
        Group.objects.get(name="Clinical reviewers").permissions.values_list(
            "codename", flat=True
        )
    )
    assert {"approve_revision", "view_revision", "view_treatment"} <= reviewers
    editors = Group.objects.get(name="Content editors").permissions
    assert editors.filter(codename="view_revision").exists()
    assert not editors.filter(codename="approve_revision").exists()

    back = migrate(BEFORE)
    row = back.get_model("treatments", "Treatment").objects.get(slug="dry-needling")
    assert row.reviewed_by == reviewer
    assert (
        not back.get_model("auth", "Group")
        .objects.filter(name="Clinical reviewers")
        .exists()
    )
    migrate(head())
