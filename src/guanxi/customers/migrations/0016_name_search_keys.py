"""Customers are found by the pinyin of their name, its initials and the given name alone
("lichao", "lc", "超" for 李超): three indexed keys, filled here for the customers there are."""

from django.db import migrations, models

from guanxi.customers.normalize import name_search_keys

BATCH = 5_000


def fill_search_keys(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    table = schema_editor.connection.ops.quote_name(Customer._meta.db_table)
    rows = Customer.objects.filter(erased_at__isnull=True).order_by("pk").values_list("pk", "name", "kind")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            keys = [(*name_search_keys(name, kind == "person"), pk) for pk, name, kind in batch]
            cursor.executemany(
                f"UPDATE {table} SET name_pinyin = %s, name_initials = %s, given_name = %s WHERE id = %s", keys
            )
            last = batch[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0010_role_sign_in_policy'),
        ('customers', '0015_activities'),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='given_name',
            field=models.CharField(blank=True, editable=False, max_length=30),
        ),
        migrations.AddField(
            model_name='customer',
            name='name_initials',
            field=models.CharField(blank=True, editable=False, max_length=30),
        ),
        migrations.AddField(
            model_name='customer',
            name='name_pinyin',
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        # filled before the indexes are built: one pass over the table instead of index updates per row
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['name_pinyin', 'name', 'id'], name='customer_pinyin'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['name_initials', 'name', 'id'], name='customer_initials'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['given_name', 'name', 'id'], name='customer_given_name'),
        ),
    ]
