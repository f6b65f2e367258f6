"""Searches by ID number become one kind of guarded look-up; a vehicle registration refused because its VIN is
on record outside the user's scope is the other (issue 8: trying VINs told a dealer which cars exist elsewhere).
The rows kept are searches by ID number."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0019_remove_customer_scores'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name='nationalidlookup', name='id_lookups_by_user'),
        migrations.RenameModel(old_name='NationalIdLookup', new_name='GuardedLookup'),
        migrations.AlterModelOptions(
            name='guardedlookup',
            options={'verbose_name': 'guarded look-up', 'verbose_name_plural': 'guarded look-ups'},
        ),
        migrations.AddField(
            model_name='guardedlookup',
            name='kind',
            field=models.CharField(choices=[('national_id', 'search by ID number'),
                                            ('vin_refused', 'VIN registered elsewhere')],
                                   default='national_id', max_length=12, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='guardedlookup',
            name='subject',
            field=models.CharField(blank=True, default='', max_length=17, verbose_name='what'),
        ),
        migrations.AddIndex(
            model_name='guardedlookup',
            index=models.Index(fields=['user', 'kind', 'at'], name='guarded_lookups_by_user'),
        ),
    ]
