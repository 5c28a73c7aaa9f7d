
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('treatments', '0006_move_enquiries_and_clinic_details'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='treatmentpoint',
            options={'ordering': ['treatment_id', models.Case(models.When(section='indications', then=0), models.When(section='benefits', then=1), models.When(section='limitations', then=2), models.When(section='side_effects', then=3), models.When(section='procedure', then=4), models.When(section='aftercare', then=5), output_field=models.IntegerField()), 'order'], 'verbose_name': 'treatment point', 'verbose_name_plural': 'treatment points'},
        ),
        migrations.AlterField(
            model_name='treatment',
            name='name',
            field=models.CharField(max_length=100),
        ),
    ]
