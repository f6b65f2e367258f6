"""The funnel's cells (FunnelCell) and, on PostgreSQL, the trigger that keeps them: every insert,
update or delete of a deal takes it out of its old cell and adds it to its new one, in the same
transaction. The two cells are touched in key order, so that two deals crossing between the same
two cells at once cannot deadlock. A TRUNCATE of the deals empties the cells; what skips triggers
(a data-only restore with triggers disabled, session_replication_role = replica) is mended by
`guanxi rebuild_funnel_cells`, which calls sales_funnel_cells_rebuild(). SQLite keeps no cells
(the funnel reads the deals there)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STAGES = ("initial", "intent", "negotiation", "contract")
KEY = "dealer_id, model, stage, furthest, probability"


def _sums(row: str, sign: str) -> str:
    """SET clauses moving `row` (OLD or NEW) into (+) or out of (-) a cell."""
    parts = [f"deals = sales_funnelcell.deals {sign} 1", f"amount = sales_funnelcell.amount {sign} {row}.amount"]
    for stage in STAGES:
        parts.append(f"days_{stage} = sales_funnelcell.days_{stage} {sign} coalesce({row}.days_{stage}, 0)")
        parts.append(f"left_{stage} = sales_funnelcell.left_{stage} {sign} ({row}.days_{stage} IS NOT NULL)::int")
    return ", ".join(parts)


def _key(row: str) -> str:
    return f"({row}.dealer_id, {row}.model, {row}.stage, {row}.furthest, coalesce({row}.probability, -1))"


COLUMNS = ", ".join(["dealer_id", "model", "stage", "furthest", "probability", "deals", "amount",
                     *(f"days_{stage}" for stage in STAGES), *(f"left_{stage}" for stage in STAGES)])
ZEROES = ", ".join(["0"] * (2 + 2 * len(STAGES)))
TRIGGER = (f"""
CREATE FUNCTION sales_funnel_cell_out(o sales_opportunity) RETURNS void LANGUAGE sql AS $$
    UPDATE sales_funnelcell SET {_sums("o", "-")}
    WHERE ({KEY}) = {_key("o")};
$$""", f"""
CREATE FUNCTION sales_funnel_cell_in(n sales_opportunity) RETURNS void LANGUAGE sql AS $$
    INSERT INTO sales_funnelcell ({COLUMNS}) VALUES
        (n.dealer_id, n.model, n.stage, n.furthest, coalesce(n.probability, -1), {ZEROES})
    ON CONFLICT ({KEY}) DO NOTHING;
    UPDATE sales_funnelcell SET {_sums("n", "+")}
    WHERE ({KEY}) = {_key("n")};
$$""", f"""
CREATE FUNCTION sales_funnel_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM sales_funnel_cell_in(NEW);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM sales_funnel_cell_out(OLD);
    ELSIF {_key("OLD")} = {_key("NEW")} AND OLD.amount = NEW.amount
            AND {" AND ".join(f"OLD.days_{stage} IS NOT DISTINCT FROM NEW.days_{stage}" for stage in STAGES)} THEN
        RETURN NULL;  -- nothing the funnel adds up changed
    ELSIF {_key("OLD")} < {_key("NEW")} THEN
        PERFORM sales_funnel_cell_out(OLD);
        PERFORM sales_funnel_cell_in(NEW);
    ELSE
        PERFORM sales_funnel_cell_in(NEW);
        PERFORM sales_funnel_cell_out(OLD);
    END IF;
    RETURN NULL;
END
$$""", """
CREATE TRIGGER sales_funnel_cells AFTER INSERT OR UPDATE OR DELETE ON sales_opportunity
    FOR EACH ROW EXECUTE FUNCTION sales_funnel_cells()""", f"""
CREATE FUNCTION sales_funnel_cells_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM sales_funnelcell;
    INSERT INTO sales_funnelcell ({COLUMNS})
    SELECT dealer_id, model, stage, furthest, coalesce(probability, -1), count(*), sum(amount),
           {", ".join(f"coalesce(sum(days_{stage}), 0)" for stage in STAGES)},
           {", ".join(f"count(days_{stage})" for stage in STAGES)}
    FROM sales_opportunity GROUP BY 1, 2, 3, 4, 5
$$""", """
CREATE FUNCTION sales_funnel_cells_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sales_funnelcell;  -- the deals were truncated: row triggers do not fire
    RETURN NULL;
END
$$""", """
CREATE TRIGGER sales_funnel_cells_truncated AFTER TRUNCATE ON sales_opportunity
    FOR EACH STATEMENT EXECUTE FUNCTION sales_funnel_cells_emptied()""", """
SELECT sales_funnel_cells_rebuild()""")
UNDO = ("DROP TRIGGER IF EXISTS sales_funnel_cells ON sales_opportunity", "DROP FUNCTION IF EXISTS sales_funnel_cells()",
        "DROP TRIGGER IF EXISTS sales_funnel_cells_truncated ON sales_opportunity",
        "DROP FUNCTION IF EXISTS sales_funnel_cells_emptied()", "DROP FUNCTION IF EXISTS sales_funnel_cells_rebuild()",
        "DROP FUNCTION IF EXISTS sales_funnel_cell_in(sales_opportunity)",
        "DROP FUNCTION IF EXISTS sales_funnel_cell_out(sales_opportunity)", "DELETE FROM sales_funnelcell")


def keep_cells(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in TRIGGER:
            schema_editor.execute(statement, params=None)


def stop_keeping_cells(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in UNDO:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0012_public_holidays'),
        ('customers', '0019_remove_customer_scores'),
        ('sales', '0012_funnel_in_one_pass'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FunnelCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model', models.CharField(max_length=80)),
                ('stage', models.CharField(choices=[('initial', 'Initial contact'), ('intent', 'Intent reached'), ('negotiation', 'Negotiation'), ('contract', 'Contract signed'), ('won', 'Won'), ('lost', 'Lost')], max_length=12)),
                ('furthest', models.PositiveSmallIntegerField()),
                ('probability', models.SmallIntegerField()),
                ('deals', models.IntegerField(default=0)),
                ('amount', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('days_initial', models.FloatField(default=0)),
                ('days_intent', models.FloatField(default=0)),
                ('days_negotiation', models.FloatField(default=0)),
                ('days_contract', models.FloatField(default=0)),
                ('left_initial', models.IntegerField(default=0)),
                ('left_intent', models.IntegerField(default=0)),
                ('left_negotiation', models.IntegerField(default=0)),
                ('left_contract', models.IntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name='funnelcell',
            name='dealer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.orgunit'),
        ),
        migrations.AddConstraint(
            model_name='funnelcell',
            constraint=models.UniqueConstraint(fields=('dealer', 'model', 'stage', 'furthest', 'probability'), name='one_funnel_cell'),
        ),
        migrations.RunPython(keep_cells, stop_keeping_cells),
    ]
