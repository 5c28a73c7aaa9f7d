"""Enquiry and SubmissionCount move to the enquiries app, ClinicDetails to the
clinic app. Every row stays where it is: the tables keep their names (each
model's Meta.db_table), so this and the new apps' first migrations change
Django's state only; those then move the content types, so permissions, group
memberships, admin log entries and history versions follow unchanged.
"""

from django.db import migrations

MOVED = ["enquiry", "submissioncount", "clinicdetails"]


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0005_treatment_name_ci_and_review_message"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
        ),
    ]
