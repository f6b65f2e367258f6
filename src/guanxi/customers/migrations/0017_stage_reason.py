"""A lifecycle stage change says why (the 360 page asks for the reason)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0016_name_search_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='stagechange',
            name='reason',
            field=models.CharField(blank=True, db_default='', max_length=500, verbose_name='reason'),
        ),
    ]
