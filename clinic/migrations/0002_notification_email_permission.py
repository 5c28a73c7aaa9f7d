"""A permission of its own for the enquiry notification address.

Options only: no table or row changes. `migrate` creates the permission
afterwards, as for any model; no group is given it, so content editors keep
every permission they had and see the address read-only.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='clinicdetails',
            options={'ordering': ['pk'], 'permissions': [('change_notification_email', 'Can change where enquiry notifications go')], 'verbose_name': 'clinic details', 'verbose_name_plural': 'clinic details'},
        ),
    ]
