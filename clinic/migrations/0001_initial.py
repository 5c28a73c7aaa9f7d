"""Takes over clinicdetails from the treatments app (the tables keep
their names): Django's state only, then the content types move, so
every row, permission and history version stays as it was."""

from django.db import migrations, models

from clinic_site.moved_models import content_types_mover


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("treatments", "0006_move_enquiries_and_clinic_details"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ClinicDetails',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('phone', models.CharField(max_length=30)),
                        ('email', models.EmailField(help_text='Shown to patients.', max_length=254)),
                        ('enquiry_notification_email', models.EmailField(help_text="New enquiries are announced to this address (reference and a link to admin only, never the patient's message).", max_length=254, verbose_name='notify enquiries to')),
                        ('address', models.TextField(help_text='One line per line of the address.')),
                        ('opening_hours', models.TextField(help_text='One line per day or range of days.')),
                        ('urgent_care_notice', models.TextField(help_text='Shown in the footer and beside the enquiry form: who to call when it cannot wait.')),
                    ],
                    options={
                        'db_table': 'treatments_clinicdetails',
                        'verbose_name': 'clinic details',
                        'verbose_name_plural': 'clinic details',
                        'ordering': ['pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='clinicdetails_single_row')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            *content_types_mover(['clinicdetails'], old_app="treatments", new_app="clinic")
        ),
    ]
