"""Who sees a customer moves from the home-dealer field into customer ↔ org unit relationships,
and the built-in roles get the customer permissions they had in code."""

import django.db.models.deletion
from django.db import migrations, models

from guanxi.core.roles import seed_role_permissions
from guanxi.customers.relationships import derive_from_records


VIEW, WORK, ALL = ("view",), ("view", "add", "change"), ("view", "add", "change", "delete")
# Erasure on request (PIPL / GDPR) cannot be undone: only administrators and call-center
# supervisors, who handle such requests, may do it.
GRANTS = {
    "admin": {"customer": ALL + ("erase",), "vehicle": ALL, "interaction": ALL},
    "hq_sales": {"customer": WORK, "vehicle": VIEW, "interaction": WORK},
    "hq_marketing": {"customer": WORK, "vehicle": VIEW, "interaction": WORK},
    "analyst": {"customer": VIEW, "vehicle": VIEW, "interaction": VIEW},
    "agent": {"customer": WORK, "vehicle": WORK, "interaction": WORK},
    "supervisor": {"customer": WORK + ("erase",), "vehicle": WORK, "interaction": WORK},
    "dealer_manager": {"customer": WORK, "vehicle": WORK, "interaction": WORK},
    "dealer_sales": {"customer": WORK, "vehicle": WORK, "interaction": WORK},
    "service_advisor": {"customer": VIEW, "vehicle": WORK, "interaction": WORK},
}


def seed_permissions(apps, schema_editor):
    seed_role_permissions(apps, "customers", GRANTS)


def derive_relationships(apps, schema_editor):
    derive_from_records(db=schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_memberships'),
        ('customers', '0003_sortable_list_columns_indexed'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='customer',
            options={'permissions': [('erase_customer', "Can erase a customer's personal data (PIPL / GDPR)")], 'verbose_name': 'customer', 'verbose_name_plural': 'customers'},
        ),
        migrations.CreateModel(
            name='CustomerRelationship',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('owner', 'Owner of record'), ('sales', 'Sales'), ('fleet', 'Fleet account'), ('lead', 'Lead'), ('service', 'Service')], max_length=10, verbose_name='kind')),
                ('since', models.DateTimeField(verbose_name='since')),
                ('until', models.DateTimeField(blank=True, null=True, verbose_name='until')),
                ('source', models.CharField(blank=True, help_text='What made the relationship: creation, a vehicle serviced, a lead, a merge …', max_length=40, verbose_name='source')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='relationships', to='customers.customer')),
                ('org_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='customer_relationships', to='core.orgunit', verbose_name='org unit')),
            ],
            options={
                'verbose_name': 'customer relationship',
                'verbose_name_plural': 'customer relationships',
                'indexes': [models.Index(condition=models.Q(('until__isnull', True)), fields=['customer', 'org_unit'], name='relationship_probe'), models.Index(condition=models.Q(('until__isnull', True)), fields=['org_unit', 'customer'], name='relationship_unit')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('until__isnull', True)), fields=('customer', 'org_unit', 'kind'), name='one_current_relationship_per_kind')],
            },
        ),
        migrations.RunPython(seed_permissions, migrations.RunPython.noop),
        migrations.RunPython(derive_relationships, migrations.RunPython.noop),
    ]
