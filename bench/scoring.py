"""Scoring a whole customer base end to end on PostgreSQL (issue 12): 3,000,000 customers and 30,000,000
interactions through the worker's nightly job, beside the goal of 5 minutes.

    python bench/scoring.py            # 3M customers, 30M interactions; the fill is made once and reused
    python bench/scoring.py --quick    # 300,000 customers, 3M interactions

1. A PostgreSQL database of its own (gx_bench_scoring, `--database-url`), made and filled when missing and
   reused by later runs (`--no-reuse` starts again, `--drop` drops it at the end); a throw-away GUANXI_DATA_DIR
   for the warehouse. The fill, in SQL from rows Django made (funnel.clone_rows), once: the demo's org tree;
   `--customers` customers across the 40 dealers, joined over nine years; seven in ten own a car bought on a
   day of the last eight years (its ownership and its sale, an interaction with the price, on the purchase
   day), and one in five of those whose car is four years old or more bought a second four to seven years
   after the first (what repurchase is to find); each car is serviced at random times at its owner's own pace
   (one visit per 5 to 15 months on average, 300-3,300 CNY a visit), and a quarter of the owners stop coming
   one to three years after the purchase (the churn the model is to find); the rest of `--lines` are calls
   and messages without an amount, in and out, over the last three years.
2. Each run: `analytics.scoring.score_all(full_extract=True)`, the job `guanxi score` and the worker run: the
   warehouse copied from PostgreSQL to Parquet, opened in DuckDB, then RFM, the value pyramid, lifetime value
   (BG/NBD + Gamma-Gamma), churn, repurchase and clusters, each fitted and its scores written with COPY. Each
   step is timed through the job's progress callback. Before each run the scores and runs of earlier ones
   are deleted, so every run writes into the same table sizes. `--runs` runs (3), medians; wall clock, with the
   CPU of this process beside it (DuckDB uses every core; scikit-learn is held to one thread by the job).

The machine may be shared: the busy share of its CPU just before the start and the load average come first.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import time

from funnel import clone_rows, django_on
from lookup import busy_share, log

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/gx_bench_scoring"
GOAL_SECONDS = 300
OWNERS = 0.7  # of the customers
CHURNING = 0.25  # of the owners: stop coming for service after a few visits
VIN_PREFIX = "LBENCH"  # + 11 digits of the owner's id: 17 characters
SECOND_CAR = "LBENC2"  # the same owner's second car
SECOND_CARS = 0.2  # of the owners whose first car is four years old or more


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--no-reuse", dest="reuse", action="store_false", help="drop the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--quick", action="store_true", help="a tenth of the base")
    parser.add_argument("--customers", type=int, help="customers (3,000,000; 300,000 with --quick)")
    parser.add_argument("--lines", type=int, help="interactions (30,000,000; 3,000,000 with --quick)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (3, at least 3)")
    parser.add_argument("--prepare-only", action="store_true", help="fill the database, measure nothing")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs: at least 3, so that a median means something")
    customers = args.customers or (300_000 if args.quick else 3_000_000)
    lines = args.lines or customers * 10
    with django_on(args.database_url, args.reuse, args.drop, "scoring"):
        load, busy = ", ".join(f"{figure:.2f}" for figure in os.getloadavg()), busy_share()
        counts = fill(customers, lines)
        if args.prepare_only:
            return 0
        print(f"\n# Scoring end to end (issue 12)\n\n{os.cpu_count()} cores, {busy:.0%} busy with other work just "
              f"before the start, load average {load} (1, 5, 15 min); {counts['customers']:,} customers, "
              f"{counts['owners']:,} cars owned, {counts['lines']:,} interactions ({counts['spend']:,} with an "
              f"amount); medians of {args.runs} runs")
        report([score_once(number, args.runs) for number in range(1, args.runs + 1)])
    return 0


# --- the base -----------------------------------------------------------------------------------


def bulk_load(cursor) -> None:
    """For the rest of the transaction, no trigger: Django's foreign keys are checked at COMMIT, which for tens
    of millions of rows took minutes, and the rows are made consistent here."""
    cursor.execute("SET LOCAL session_replication_role = replica")


def fill(customers: int, lines: int) -> dict[str, int]:
    """The customers, cars, ownerships and interactions (see the module docstring), made once; the counts."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection, transaction

    from guanxi.core.models import OrgUnit, OrgUnitKind
    from guanxi.customers.models import Customer, Interaction, Ownership, Vehicle
    from guanxi.demo.orgtree import build_org_tree

    call_command("migrate", verbosity=0)
    if not OrgUnit.objects.exists():
        build_org_tree()
    dealers = list(OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).order_by("pk").values_list("pk", flat=True))
    array = f"ARRAY[{','.join(map(str, dealers))}]"
    made = Customer.objects.order_by().count()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.12)")
        bulk_load(cursor)
        if made < customers:
            log(f"customers {made:,} → {customers:,}")
            template = Customer.objects.create(name="李明", province="上海市", city="上海")
            clone_rows(Customer, template.pk, customers - made - 1, {
                "name": "t.name || g", "home_dealer_id": f"({array})[1 + g % {len(dealers)}]",
                "created_at": "now() - random() * interval '9 years'", "updated_at": "now()"})
    if not Vehicle.objects.filter(vin__startswith=VIN_PREFIX).exists():
        log(f"cars and their ownerships for {OWNERS:.0%} of the customers")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.34)")
            bulk_load(cursor)
            first = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
            car = Vehicle.objects.create(vin=f"{VIN_PREFIX}TEMPLATE0", model="朗逸 Lavida", model_year=2020)
            clone_rows(Vehicle, car.pk, 0, {
                "vin": f"'{VIN_PREFIX}' || lpad(g.id::text, 11, '0')", "model_year": "extract(year from g.bought)::int",
                "purchase_date": "g.bought", "warranty_end": "g.bought + 3 * 365", "price": "g.price",
                "mileage_km": "(15000 * (current_date - g.bought) / 365.0)::int",
                "selling_dealer_id": "g.home_dealer_id", "service_unit_id": "g.home_dealer_id"},
                source=f"(SELECT id, home_dealer_id, current_date - (random() * 8 * 365)::int AS bought, "
                       f"round((120000 + random() * 230000)::numeric, -2) AS price FROM customers_customer "
                       f"WHERE random() < {OWNERS} AND id > {first}) AS g")
            # a second car, four to seven years after the first, for one owner in five whose first is that old
            clone_rows(Vehicle, car.pk, 0, {
                "vin": f"'{SECOND_CAR}' || substr(g.vin, {len(VIN_PREFIX) + 1})",
                "model_year": "extract(year from g.bought)::int", "purchase_date": "g.bought",
                "warranty_end": "g.bought + 3 * 365", "price": "g.price",
                "mileage_km": "(15000 * (current_date - g.bought) / 365.0)::int",
                "selling_dealer_id": "g.selling_dealer_id", "service_unit_id": "g.service_unit_id"},
                source=f"(SELECT * FROM (SELECT vin, selling_dealer_id, service_unit_id, price, "
                       f"purchase_date + (4 * 365 + random() * 3 * 365)::int AS bought FROM customers_vehicle "
                       f"WHERE vin LIKE '{VIN_PREFIX}%' AND purchase_date < current_date - 4 * 365 "
                       f"AND random() < {SECOND_CARS}) AS s WHERE s.bought < current_date) AS g")
            car.delete()
            # ended, so that its car's current owner can be cloned from it
            owner = Ownership.objects.create(vehicle=Vehicle.objects.filter(vin__startswith=VIN_PREFIX).first(),
                                             customer_id=first, start_date="2020-01-01", end_date="2020-01-02")
            clone_rows(Ownership, owner.pk, 0, {
                "vehicle_id": "g.id", "customer_id": f"substr(g.vin, {len(VIN_PREFIX) + 1})::bigint",
                "start_date": "g.purchase_date", "end_date": "NULL"},
                source=f"(SELECT id, vin, purchase_date FROM customers_vehicle "
                       f"WHERE vin LIKE '{VIN_PREFIX}%' OR vin LIKE '{SECOND_CAR}%') AS g")
            owner.delete()
    if not Interaction.objects.exists():
        fill_interactions(ContentType.objects.get_for_model(Vehicle).pk, lines)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) customers_customer, customers_vehicle, customers_ownership, "
                       "customers_interaction")
    return {"customers": Customer.objects.order_by().count(), "owners": Ownership.objects.order_by().count(),
            "lines": Interaction.objects.order_by().count(),
            "spend": Interaction.objects.filter(amount__gt=0).order_by().count()}


def fill_interactions(vehicle_type: int, lines: int) -> None:
    """Each owner's sale and service visits, then calls and messages without an amount up to `lines`."""
    from django.db import connection, transaction

    from guanxi.customers.models import Customer, Interaction

    first = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.56)")
        bulk_load(cursor)
        template = Interaction.objects.create(customer_id=first, channel="visit", direction="in",
                                              occurred_at="2020-01-01T10:00:00+08:00", subject="template")
        log("the owners' purchases")
        clone_rows(Interaction, template.pk, 0, {
            "customer_id": "g.customer_id", "occurred_at": "g.start_date + time '10:00'", "amount": "g.price",
            "org_unit_id": "g.selling_dealer_id", "subject": "'购车 ' || g.model", "link_type_id": str(vehicle_type),
            "link_id": "g.vehicle_id"},
            source="(SELECT o.customer_id, o.start_date, o.vehicle_id, v.price, v.selling_dealer_id, v.model "
                   "FROM customers_ownership o JOIN customers_vehicle v ON v.id = o.vehicle_id) AS g")
        log("their service visits")
        # each car's visits fall at random over the time it is serviced (a Poisson process, so the counts
        # vary as BG/NBD expects), at the owner's own pace (one visit per 5 to 15 months); a churning
        # owner's time ends one to three years after the purchase
        clone_rows(Interaction, template.pk, 0, {
            "customer_id": "g.customer_id",
            "occurred_at": "g.start_date + 30 + (random() * g.span)::int + time '14:00'",
            "amount": "round((300 + random() * 3000)::numeric, 0)", "org_unit_id": "g.service_unit_id",
            "subject": "'保养'", "link_type_id": str(vehicle_type), "link_id": "g.vehicle_id"},
            source=f"(SELECT o.customer_id, o.start_date, o.vehicle_id, v.service_unit_id, w.span, k "
                   f"FROM customers_ownership o JOIN customers_vehicle v ON v.id = o.vehicle_id, "
                   f"LATERAL (SELECT greatest(0, least(current_date - o.start_date - 30, "
                   f"CASE WHEN random() < {CHURNING} THEN 365 + (random() * 730)::int ELSE 100000 END)) AS span, "
                   f"150 + random() * 300 + 0 * o.id AS pace) AS w, "
                   f"generate_series(1, (w.span / w.pace * (0.5 + random()))::int) AS k) AS g")
        made = Interaction.objects.order_by().count()
        customers = Customer.objects.order_by().count()
        per_customer = max(0, (lines - made) // customers)
        remainder = max(0, lines - made - per_customer * customers)
        log(f"calls and messages: {lines - made:,} ({per_customer} a customer, {remainder:,} more)")
        clone_rows(Interaction, template.pk, 0, {
            "customer_id": "g.id", "occurred_at": "now() - random() * interval '3 years'",
            "channel": "(ARRAY['phone','sms','wechat','email'])[1 + (random() * 3)::int]",
            "direction": "CASE WHEN random() < 0.6 THEN 'in' ELSE 'out' END", "amount": "NULL",
            "org_unit_id": "g.home_dealer_id", "subject": "'来电咨询'", "link_type_id": "NULL", "link_id": "NULL"},
            source=f"((SELECT c.id, c.home_dealer_id FROM customers_customer c, generate_series(1, {per_customer})) "
                   f"UNION ALL (SELECT c.id, c.home_dealer_id FROM customers_customer c ORDER BY 1 LIMIT {remainder})"
                   ") AS g")
        template.delete()


# --- the runs -----------------------------------------------------------------------------------


def score_once(number: int, runs: int) -> dict:
    """One run of the nightly job after the earlier runs' scores are gone: each step's wall and CPU seconds."""
    from django.conf import settings
    from django.db import connection

    from guanxi.analytics import scoring

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE analytics_score, analytics_scoringrun CASCADE")
        cursor.execute("VACUUM (ANALYZE) analytics_score")
    shutil.rmtree(settings.GUANXI_WAREHOUSE_DIR, ignore_errors=True)  # a full copy each run, as a first night
    steps: dict[str, tuple[float, float]] = {}
    current = {"name": None, "wall": 0.0, "cpu": 0.0}

    def step(name: str) -> None:
        wall, cpu = time.perf_counter(), cpu_seconds()
        if current["name"] is not None:
            steps[current["name"]] = (wall - current["wall"], cpu - current["cpu"])
        current.update(name=name, wall=wall, cpu=cpu)
        log(f"run {number} of {runs}: {name}")

    started, started_cpu = time.perf_counter(), cpu_seconds()
    result = scoring.score_all(full_extract=True, progress=step)
    step("end")
    steps.pop("end", None)
    return {"steps": steps, "wall": time.perf_counter() - started, "cpu": cpu_seconds() - started_cpu,
            "states": {run.model: (run.state, run.customers, run.scores.count(), run.message) for run in result}}


def cpu_seconds() -> float:
    """This process's CPU and its children's (none here), user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(runs: list[dict]) -> None:
    def median(values):
        return statistics.median(values)

    print("\n| step | wall s (median) | CPU s of this process | runs, wall s |\n|---|---:|---:|---|")
    for name in runs[0]["steps"]:
        walls = [run["steps"][name][0] for run in runs]
        print(f"| {name} | {median(walls):.1f} | {median(run['steps'][name][1] for run in runs):.1f} "
              f"| {', '.join(f'{wall:.1f}' for wall in walls)} |")
    total = median(run["wall"] for run in runs)
    walls = ", ".join(f"{run['wall']:.1f}" for run in runs)
    print(f"| **all** | **{total:.1f}** | {median(run['cpu'] for run in runs):.1f} | {walls} |")
    print(f"\n| figure | Guanxi | goal | goal / Guanxi (≥ 1 meets it) |\n|---|---:|---:|---:|\n"
          f"| scoring end to end, s | {total:.0f} | {GOAL_SECONDS} | {GOAL_SECONDS / total:.2f} |")
    print("\nModels of the last run (state, customers analysed, scores written): "
          + "; ".join(f"{model} {state} {analysed:,} / {written:,}" + (f" ({message})" if message else "")
                      for model, (state, analysed, written, message) in runs[-1]["states"].items()) + ".")


if __name__ == "__main__":
    sys.exit(main())
