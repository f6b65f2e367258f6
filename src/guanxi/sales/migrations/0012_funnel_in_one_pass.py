"""Each deal carries the days it stood in each funnel stage it left (from its stage history), so
that the funnel is one pass over the deals; one dealer's funnel is read from a covering index."""

from django.conf import settings
from django.db import migrations, models

STAGES = ("initial", "intent", "negotiation", "contract")


def days_from_history(apps, schema_editor):
    """Portable SQL (SQLite and PostgreSQL): one UPDATE over the deals that left a funnel stage."""
    sums = ", ".join(
        f"days_{stage} = (SELECT SUM(s.days_in_previous) FROM sales_opportunitystep AS s "
        f"WHERE s.opportunity_id = sales_opportunity.id AND s.from_stage = '{stage}')" for stage in STAGES)
    stages = ", ".join(f"'{stage}'" for stage in STAGES)
    schema_editor.execute(f"UPDATE sales_opportunity SET {sums} WHERE id IN "
                          f"(SELECT opportunity_id FROM sales_opportunitystep WHERE from_stage IN ({stages}))")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0012_public_holidays'),
        ('customers', '0019_remove_customer_scores'),
        ('sales', '0011_lost_reason_roles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opportunity_dealer_stage',
        ),
        migrations.AddField(
            model_name='opportunity',
            name='days_contract',
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='days_initial',
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='days_intent',
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='days_negotiation',
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(days_from_history, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['dealer', 'stage', 'furthest', 'probability'], include=('amount', 'days_initial', 'days_intent', 'days_negotiation', 'days_contract', 'expected_close', 'closed_at'), name='opportunity_funnel'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['stage', 'closed_at'], include=('dealer', 'amount'), name='opportunity_stage_closed'),
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opportunity_stage_close',
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['stage', 'expected_close'], include=('dealer', 'probability', 'amount'), name='opportunity_stage_close'),
        ),
    ]
