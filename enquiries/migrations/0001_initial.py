"""Takes over enquiry, submissioncount from the treatments app (the tables keep
their names): Django's state only, then the content types move, so
every row, permission and history version stays as it was."""

import django.db.models.deletion
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
                    name='SubmissionCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=64)),
                        ('window_start', models.DateTimeField()),
                        ('count', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'treatments_submissioncount',
                        'verbose_name': 'submission count',
                        'verbose_name_plural': 'submission counts',
                        'ordering': ['-window_start'],
                        'constraints': [models.UniqueConstraint(fields=('key', 'window_start'), name='submissioncount_unique_window')],
                    },
                ),
                migrations.CreateModel(
                    name='Enquiry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reference', models.CharField(editable=False, help_text='Given to the patient on the thanks page; quote it on the phone.', max_length=12, unique=True)),
                        ('submission_token', models.UUIDField(editable=False, help_text='One per form shown, so a double-clicked submit saves once.', null=True, unique=True)),
                        ('name', models.CharField(max_length=100)),
                        ('email', models.EmailField(max_length=254)),
                        ('phone', models.CharField(blank=True, max_length=30)),
                        ('preferred_contact', models.CharField(choices=[('email', 'Email'), ('phone', 'Phone')], default='email', max_length=5, verbose_name='preferred contact method')),
                        ('message', models.TextField(max_length=5000)),
                        ('consent_given', models.BooleanField(default=False)),
                        ('consent_given_at', models.DateTimeField(blank=True, null=True)),
                        ('status', models.CharField(choices=[('new', 'New'), ('contacted', 'Contacted'), ('closed', 'Closed')], default='new', max_length=10)),
                        ('staff_notes', models.TextField(blank=True, help_text='Internal notes; never shown to the patient.')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='received')),
                        ('notification_sent_at', models.DateTimeField(blank=True, help_text='When the clinic was emailed about this enquiry; empty while the email is still to be sent.', null=True)),
                        ('treatment', models.ForeignKey(blank=True, help_text='The treatment the patient asked about, if any. Kept empty if that treatment is deleted.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='enquiries', to='treatments.treatment')),
                    ],
                    options={
                        'db_table': 'treatments_enquiry',
                        'verbose_name': 'enquiry',
                        'verbose_name_plural': 'enquiries',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['status', '-created_at'], name='enquiry_status_idx'), models.Index(fields=['-created_at'], name='enquiry_created_idx'), models.Index(condition=models.Q(('notification_sent_at__isnull', True)), fields=['notification_sent_at'], name='enquiry_unsent_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['new', 'contacted', 'closed'])), name='enquiry_status_valid'), models.CheckConstraint(condition=models.Q(('preferred_contact__in', ['email', 'phone'])), name='enquiry_preferred_contact_valid'), models.CheckConstraint(condition=models.Q(('consent_given', True), ('consent_given_at__isnull', False)), name='enquiry_consent_recorded')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            *content_types_mover(['enquiry', 'submissioncount'], old_app="treatments", new_app="enquiries")
        ),
    ]
