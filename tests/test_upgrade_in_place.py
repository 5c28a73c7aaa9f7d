"""An install from before the one-app-per-feature split upgrades in place.

The database is taken back to the last migration of the single `treatments`
app, filled the way that code filled it (content with history, enquiries with
staff notes, rate-limit counts, staff in both groups, admin log entries, a
login lockout record), then migrated to the head. Every row must come through
unchanged, history must still restore, and permissions must still apply.
Runs on SQLite and, in CI's second pass, on PostgreSQL.
"""

import datetime
import uuid

import pytest
from django.core import serializers
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

OLD = ("treatments", "0005_treatment_name_ci_and_review_message")
# Back to before the staff groups' data migration, so it runs again on the way
# to OLD: earlier transactional tests may have flushed the groups away.
FIRST = ("treatments", "0001_initial")
# Apps that did not exist before the split (taken back to no migrations).
NEW_APPS = ("clinic", "enquiries", "conditions", "practitioners", "clinical_review")

pytestmark = pytest.mark.django_db(transaction=True)


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader


def head_nodes(loader):
    return loader.graph.leaf_nodes()


def old_state_apps(loader):
    nodes = [n for n in head_nodes(loader) if n[0] not in {*NEW_APPS, "treatments"}]
    return loader.project_state([*nodes, OLD], at_end=True).apps


def fields_of(obj, *exclude):
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in exclude
    }


def fill_old_database(apps):
    """What the code before the split left behind after some use."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    Treatment = apps.get_model("treatments", "Treatment")
    TreatmentPoint = apps.get_model("treatments", "TreatmentPoint")
    ClinicDetails = apps.get_model("treatments", "ClinicDetails")
    Enquiry = apps.get_model("treatments", "Enquiry")
    SubmissionCount = apps.get_model("treatments", "SubmissionCount")
    Revision = apps.get_model("reversion", "Revision")
    Version = apps.get_model("reversion", "Version")
    LogEntry = apps.get_model("admin", "LogEntry")
    AccessAttempt = apps.get_model("axes", "AccessAttempt")

    now = timezone.now()
    editor = User.objects.create(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Content editors"))
    handler = User.objects.create(username="handler", is_staff=True)
    handler.groups.add(Group.objects.get(name="Enquiry handlers"))

    treatment = Treatment.objects.create(
        name="Dry needling",
        slug="dry-needling",
        summary="Fine needles into trigger points.",
        overview="Overview text.",
        how_it_works="How it works text.",
        status="published",
        last_reviewed=datetime.date(2026, 1, 15),
        next_review_due=datetime.date(2027, 1, 15),
        reviewed_by="A. Example, physiotherapist",
    )
    other = Treatment.objects.create(
        name="Other therapy", slug="other", summary="S.", overview="O.",
        how_it_works="H.", status="draft",
    )  # fmt: skip
    treatment.related.add(other)
    point = TreatmentPoint.objects.create(
        treatment=treatment, section="benefits", text="Shipped benefit", order=0
    )
    TreatmentPoint.objects.create(
        treatment=treatment,
        section="side_effects",
        text="Not suitable for some",
        order=3,
        is_contraindication=True,
    )
    clinic = ClinicDetails.objects.create(
        pk=1,
        name="Example Clinic",
        phone="01632 960000",
        email="enquiries@clinic.example",
        enquiry_notification_email="staff@clinic.example",
        address="1 Example Street\nExampletown",
        opening_hours="Monday to Friday: 9am to 5pm",
        urgent_care_notice="Not for emergencies. Call 999.",
    )

    # History as django-reversion wrote it: a treatment's revision holds its
    # points; clinic details have a revision of their own.
    for obj, follows in [(treatment, [point]), (clinic, [])]:
        revision = Revision.objects.create(
            date_created=now, user=editor, comment="Initial version"
        )
        for item in [obj, *follows]:
            Version.objects.create(
                revision=revision,
                object_id=str(item.pk),
                content_type=ContentType.objects.get_for_model(item),
                db="default",
                format="json",
                serialized_data=serializers.serialize("json", [item]),
                object_repr=str(item),
            )

    enquiry = Enquiry.objects.create(
        reference="ABCD-EFGH",
        submission_token=uuid.uuid4(),
        name="Pat Patient",
        email="pat@example.com",
        phone="01632 960001",
        preferred_contact="phone",
        treatment=treatment,
        message="My knee hurts on the stairs.",
        consent_given=True,
        consent_given_at=now,
        status="contacted",
        staff_notes="Called back on Tuesday.",
        notification_sent_at=now,
    )
    Enquiry.objects.create(
        reference="JKMN-PQRS",
        name="Sam Sender",
        email="sam@example.com",
        message="General question.",
        consent_given=True,
        consent_given_at=now,
    )
    SubmissionCount.objects.create(key="a" * 64, window_start=now, count=3)
    LogEntry.objects.create(
        user=handler,
        content_type=ContentType.objects.get_for_model(enquiry),
        object_id=str(enquiry.pk),
        object_repr=f"Enquiry {enquiry.reference}",
        action_flag=2,
        change_message="Changed status.",
        action_time=now,
    )
    AccessAttempt.objects.create(
        username="admin",
        ip_address="192.0.2.1",
        user_agent="test",
        failures_since_start=3,
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/admin/login/",
        attempt_time=now,
    )


def snapshot(apps, labels):
    """Every row of the moved and related tables, by model name."""
    return {
        name: sorted(
            (fields_of(obj) for obj in apps.get_model(label).objects.all()),
            key=lambda row: row["id"],
        )
        for name, label in labels.items()
    }


OLD_LABELS = {
    "treatment": "treatments.Treatment",
    "point": "treatments.TreatmentPoint",
    "clinic": "treatments.ClinicDetails",
    "enquiry": "treatments.Enquiry",
    "count": "treatments.SubmissionCount",
    "attempt": "axes.AccessAttempt",
    "logentry": "admin.LogEntry",
}
# Where each model lives after the split.
NEW_LABELS = {
    **OLD_LABELS,
    "clinic": "clinic.ClinicDetails",
    "enquiry": "enquiries.Enquiry",
    "count": "enquiries.SubmissionCount",
}


# Columns that moved to a table of their own since the split, checked on
# their own: an enquiry's free-text notes became its first EnquiryNote.
MOVED_COLUMNS = {"enquiry": {"staff_notes"}}


def as_before(after, before):
    """`after`'s rows with only the columns `before` had: columns added or
    moved later are checked on their own."""
    return {
        name: [
            {
                column: row[column]
                for column in old_row
                if column not in MOVED_COLUMNS.get(name, ())
            }
            for row, old_row in zip(rows, before[name], strict=True)
        ]
        for name, rows in after.items()
    }


def without_moved(before):
    return {
        name: [
            {k: v for k, v in row.items() if k not in MOVED_COLUMNS.get(name, ())}
            for row in rows
        ]
        for name, rows in before.items()
    }


# Columns added since the split, with the value every existing row gets.
ADDED_COLUMNS = {
    "enquiry": {
        "submission_digest": "",
        "notification_claimed_until": None,
        "notification_attempts": 0,
        "owner_id": None,
    },
}


def assert_upgraded(after, before):
    from enquiries.models import EnquiryNote

    assert as_before(after, before) == without_moved(before)
    for name, columns in ADDED_COLUMNS.items():
        for row in after[name]:
            assert {column: row[column] for column in columns if column in row} == {
                c: v for c, v in columns.items() if c in row
            }
    notes = {
        row["id"]: row["staff_notes"]
        for row in before["enquiry"]
        if row["staff_notes"].strip()
    }
    assert {note.enquiry_id: note.text for note in EnquiryNote.objects.all()} == notes
    assert all(row["reply_due_at"] is not None for row in after["enquiry"])


def permissions_by_group(apps):
    Group = apps.get_model("auth", "Group")
    return {
        group.name: sorted(group.permissions.values_list("pk", "codename"))
        for group in Group.objects.all()
    }


def assert_permissions_kept(after, before):
    """Every group keeps every permission it had (by pk and codename); the
    apps added since (conditions, practitioners ...) may give it more, and
    add roles of their own (clinical_review's "Clinical reviewers")."""
    assert set(after) - set(before) <= {"Clinical reviewers"}
    assert set(before) <= set(after)
    for name, permissions in before.items():
        assert set(permissions) <= set(after[name]), name


def test_every_row_history_and_permission_survive_the_split():
    from django.apps import apps as current_apps
    from django.contrib.auth.models import User
    from reversion.models import Version

    from clinic.models import ClinicDetails
    from enquiries.models import Enquiry
    from treatments.models import Treatment

    migrate_to([FIRST, *[(app, None) for app in NEW_APPS]])
    loader = migrate_to([OLD])
    old_apps = old_state_apps(loader)
    fill_old_database(old_apps)
    before = snapshot(old_apps, OLD_LABELS)
    before_groups = permissions_by_group(old_apps)
    versions_before = old_apps.get_model("reversion", "Version").objects.count()

    migrate_to(head_nodes(loader))
    connection.check_constraints()

    assert_upgraded(snapshot(current_apps, NEW_LABELS), before)
    assert_permissions_kept(permissions_by_group(current_apps), before_groups)
    assert Version.objects.count() == versions_before

    # Back to the old schema and forward again: nothing lost either way.
    migrate_to([OLD, *[(app, None) for app in NEW_APPS]])
    assert snapshot(old_apps, OLD_LABELS) == before
    assert_permissions_kept(permissions_by_group(old_apps), before_groups)
    migrate_to(head_nodes(loader))
    assert_upgraded(snapshot(current_apps, NEW_LABELS), before)

    # Permissions still mean what they meant, under the new app labels.
    editor = User.objects.get(username="editor")
    handler = User.objects.get(username="handler")
    assert editor.has_perm("clinic.change_clinicdetails")
    assert editor.has_perm("treatments.change_treatment")
    assert not editor.has_perm("enquiries.view_enquiry")
    assert handler.has_perm("enquiries.change_enquiry")
    assert not handler.has_perm("clinic.change_clinicdetails")

    # The admin log still points at the enquiry it was about.
    enquiry = Enquiry.objects.get(reference="ABCD-EFGH")
    entry = current_apps.get_model("admin", "LogEntry").objects.get()
    assert entry.get_edited_object() == enquiry
    assert enquiry.treatment.slug == "dry-needling"

    # History restores, for the moved model and for the one that stayed.
    clinic = ClinicDetails.load()
    clinic.phone = "01632 969999"
    clinic.save()
    Version.objects.get_for_object(clinic).get().revert()
    assert ClinicDetails.load().phone == "01632 960000"

    treatment = Treatment.objects.get(slug="dry-needling")
    treatment.points.filter(section="benefits").update(text="Edited benefit")
    Version.objects.get_for_object(treatment).get().revision.revert()
    assert treatment.points.get(section="benefits").text == "Shipped benefit"


def old_database_with_an_early_content_type(*, in_use):
    """The old schema, plus the content type the clinic app gets if something
    asks for it before its migration has run (`migrate clinic zero`, then an
    admin visit): with its automatic permission, assigned to a group or not."""
    migrate_to([FIRST, *[(app, None) for app in NEW_APPS]])
    loader = migrate_to([OLD])
    apps = old_state_apps(loader)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    early = ContentType.objects.create(app_label="clinic", model="clinicdetails")
    permission = Permission.objects.create(
        content_type=early, codename="view_clinicdetails", name="Can view"
    )
    if in_use:
        apps.get_model("auth", "Group").objects.get(
            name="Content editors"
        ).permissions.add(permission)
    return loader


def test_an_unused_early_content_type_gives_way_to_the_moved_one():
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType

    loader = old_database_with_an_early_content_type(in_use=False)
    old_apps = old_state_apps(loader)
    moved_id = (
        old_apps.get_model("contenttypes", "ContentType")
        .objects.get(app_label="treatments", model="clinicdetails")
        .pk
    )
    fill_old_database(old_apps)

    migrate_to(head_nodes(loader))

    clinic_type = ContentType.objects.get(app_label="clinic", model="clinicdetails")
    assert clinic_type.pk == moved_id
    assert User.objects.get(username="editor").has_perm("clinic.change_clinicdetails")


def test_an_early_content_type_in_use_stops_the_migration_with_a_clear_message():
    from clinic_site.moved_models import ContentTypeInTheWay

    loader = old_database_with_an_early_content_type(in_use=True)
    with pytest.raises(ContentTypeInTheWay, match=r"clinic\.clinicdetails \(id \d+\)"):
        migrate_to(head_nodes(loader))
    # Nothing moved: the treatments content type is still there for a retry.
    apps = (
        MigrationExecutor(connection)
        .loader.project_state(
            [("treatments", "0006_move_enquiries_and_clinic_details")], at_end=True
        )
        .apps
    )
    ContentType = apps.get_model("contenttypes", "ContentType")
    assert ContentType.objects.filter(
        app_label="treatments", model="clinicdetails"
    ).exists()
    # Leave the database at the head for the tests that follow.
    ContentType.objects.filter(app_label="clinic", model="clinicdetails").delete()
    migrate_to(head_nodes(loader))
