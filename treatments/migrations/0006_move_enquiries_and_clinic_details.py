"""Enquiry and SubmissionCount move to the enquiries app, ClinicDetails to the
clinic app. Every row stays where it is: the tables are renamed (Django's
AlterModelTable), and the new apps' first migrations take the models over in
Django's state only, then move their content types, so permissions, group
memberships, admin log entries and history versions follow unchanged.
"""

from django.db import migrations

MOVED = {
    "enquiry": "enquiries_enquiry",
    "submissioncount": "enquiries_submissioncount",
    "clinicdetails": "clinic_clinicdetails",
}


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0005_treatment_name_ci_and_review_message"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name=name, table=table)
                for name, table in MOVED.items()
            ],
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
        ),
    ]
