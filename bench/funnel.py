"""Sales at scale on PostgreSQL (issue 9): lead assignment, then the funnel and the forecast.

    python bench/funnel.py [--quick]         # about 5 minutes on 2 cores, 1 with --quick
    python bench/funnel.py --profile         # also where the time of one-by-one assignment goes

Issue 9's goals: lead assignment >= 500 leads/s with rules for 40 dealers; funnel + forecast with
1M opportunities and 3M customers, p95 <= 300 ms for head office and <= 50 ms for one dealer.

1. Set-up: a PostgreSQL database of its own (gx_funnel, `--database-url` to change it), created
   and migrated when missing and reused by later runs (`--no-reuse` drops it first, `--drop`
   drops it at the end), and a throw-away GUANXI_DATA_DIR (the embedded huey queue the outbox
   wakes lives there). The demo org tree (40 dealers in 32 cities of 24 provinces, four regions),
   the demo's distribution rules (each dealer its own city at priority 10, its province at 50)
   and the system actor. Each run bulk-creates its own prospects and `--leads` new leads on
   them (status new, no dealer): 85 % from a dealer's city, 12 % from another city of a province
   with dealers, 3 % from a province without any (no rule: they wait for head office); one in ten
   of those from a province with dealers is a repurchase (the customer's home dealer, one of the
   province's, is asked first). Before each run the leads of earlier runs still waiting for a
   call are marked called, so every run starts with empty dealer backlogs.
2. Decisions alone: `distribution.choose_dealer` on the 80 rules and 40 dealers' loads as the
   database gives them, the loads updated in memory after each decision (the caller's work, not
   timed): decisions per CPU second and the p99 of a call.
3. End to end, one by one as the services do it: `assignment.assign_automatically(lead, system
   actor)` per lead in its own transaction, audited as a job: leads per second over the run and
   the p99 of a lead, wall clock (the database's time included) with the process's CPU beside it.
   `assignment.assign_waiting` (`--batch` leads a transaction) is measured the same way when the
   module has it, with the p99 of a batch: every lead of a batch waits for the whole batch.
   The statements each path sends, by kind and table, follow; `--profile` adds the functions
   the time of one-by-one assignment goes to.
4. Funnel and forecast: customers filled up to 3M and opportunities up to 1M across the 40
   dealers (in SQL, once: stages in the seeds' proportions, 5 % with their own probability,
   each with its stage history), then `GET /api/funnel`, the funnel page and `GET
   /api/forecast-vs-target` as head office and as one dealer's manager sign in to them
   (Django's test client in this process: the whole request and response, no network); p95 of
   20 requests a run. `--only funnel` skips the assignment table.

Medians of `--runs` runs (3, at least 3) after one untimed warm-up run. The machine may be shared:
the busy share of its CPU just before the start and the load average are printed first; the CPU
this process spends per lead is the figure others' work disturbs least.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import time

import psycopg
from lookup import admin_url, busy_share, log, percentile

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/gx_funnel"
GOAL_LEADS_PER_SECOND = 500.0
# Where leads come from: a dealer's city, another city of a province with dealers (the province's
# rule), or a province without dealers (no rule matches: the lead waits for head office).
OTHER_CITIES = (("江苏省", "无锡"), ("浙江省", "温州"), ("广东省", "珠海"), ("山东省", "烟台"), ("河北省", "保定"),
                ("四川省", "绵阳"), ("湖北省", "宜昌"), ("辽宁省", "鞍山"))
NO_DEALER = (("西藏自治区", "拉萨"), ("青海省", "西宁"), ("海南省", "海口"))
SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--no-reuse", dest="reuse", action="store_false", help="drop the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--quick", action="store_true", help="fewer leads and decisions")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each path (3, at least 3)")
    parser.add_argument("--leads", type=int, help="leads per run (2,000; 500 with --quick)")
    parser.add_argument("--batch", type=int, default=200, help="leads per transaction of assign_waiting (200)")
    parser.add_argument("--decisions", type=int, help="choose_dealer calls per run (100,000; 20,000 with --quick)")
    parser.add_argument("--profile", action="store_true", help="profile one run of one-by-one assignment")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--only", choices=("assignment", "funnel"), help="one of the two tables")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs: at least 3 (medians, never a single timing)")
    leads = args.leads or (500 if args.quick else 2_000)
    decisions = args.decisions or (20_000 if args.quick else 100_000)

    os.environ.pop("GUANXI_HUEY_IMMEDIATE", None)  # the worker runs the consumers, not the assigning process
    with django_on(args.database_url, args.reuse, args.drop, "funnel", GUANXI_ALLOWED_HOSTS="testserver"):
        bench = Bench(random.Random(args.seed))
        load, busy = ", ".join(f"{figure:.2f}" for figure in os.getloadavg()), busy_share()
        version = f"{bench.server_version // 10_000}.{bench.server_version % 10_000}"
        print(f"\n# Sales benchmark (issue 9)\n\n{os.cpu_count()} cores, {busy:.0%} busy with other work just "
              f"before the start, load average {load} (1, 5, 15 min); PostgreSQL {version}; {bench.dealers} dealers, "
              f"{bench.rules} distribution rules; {leads:,} leads per run, medians of {args.runs} runs after a warm-up")
        if args.only != "funnel":
            assignment_table(bench, leads, decisions, args)
        if args.only != "assignment":
            funnel_table(bench, args)
    return 0


# --- the database -----------------------------------------------------------------------------


def create_database(database_url: str, reuse: bool) -> None:
    """Our database, made when missing; dropped first without `reuse`."""
    if not reuse:
        drop_database(database_url)
    maintenance, name = admin_url(database_url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()
    maintenance, name = admin_url(database_url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        log(f"dropping database {name}")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def django_on(database_url: str, reuse: bool, drop: bool, name: str, **environment):
    """Django set up on the bench's own PostgreSQL database (made when missing, dropped first without `reuse`,
    dropped at the end with `drop`) and a throw-away GUANXI_DATA_DIR, never the instance's or the tests'."""
    data_dir = tempfile.mkdtemp(prefix=f"gx-bench-{name}-")
    os.environ.update(GUANXI_DATABASE_URL=database_url, GUANXI_DATA_DIR=data_dir, GUANXI_DEBUG="0",
                      DJANGO_SETTINGS_MODULE="guanxi.settings", **environment)
    os.environ.pop("GUANXI_TEST_DATABASE_URL", None)
    try:
        create_database(database_url, reuse)
        import django

        django.setup()
        yield
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if drop:
            drop_database(database_url)


class Bench:
    """The org tree, the rules, the system actor; fresh prospects and new leads on demand."""

    def __init__(self, rng: random.Random):
        from django.core.management import call_command
        from django.db import connection

        from guanxi.core.jobs import system_actor
        from guanxi.core.models import OrgUnit, OrgUnitKind
        from guanxi.demo.catalog import CAR_MODELS
        from guanxi.demo.leads import seed_distribution_rules
        from guanxi.demo.orgtree import build_org_tree
        from guanxi.sales.models import DistributionRule

        log("migrate, org tree, distribution rules")
        call_command("migrate", verbosity=0)
        units = build_org_tree()
        seed_distribution_rules()
        self.rng, self.actor, self.models = rng, system_actor(), [model.name for model in CAR_MODELS]
        self.call_center_id = units["CC"].pk
        dealers = list(OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).values_list("pk", "province", "city"))
        self.dealers, self.rules = len(dealers), DistributionRule.objects.filter(active=True).count()
        if self.dealers < 40:
            raise SystemExit(f"the org tree has {self.dealers} dealers, the goal is for 40")
        self.dealer_cities = [(province, city) for _, province, city in dealers]
        self.dealers_by_province = collections.defaultdict(list)
        for pk, province, _ in dealers:
            self.dealers_by_province[province].append(pk)
        self.server_version = connection.cursor().connection.info.server_version

    def place(self) -> tuple[str, str]:
        draw = self.rng.random()
        if draw < 0.85:
            return self.rng.choice(self.dealer_cities)
        return self.rng.choice(OTHER_CITIES if draw < 0.97 else NO_DEALER)

    def new_leads(self, count: int) -> list[int]:
        """`count` new leads (status new, no dealer) on as many new prospects; their ids."""
        from django.db import transaction

        from guanxi.customers.models import Customer, Source, Stage
        from guanxi.sales.models import Lead, LeadSource

        rows = []
        for _ in range(count):
            province, city = self.place()
            local = self.dealers_by_province.get(province)
            repurchase = bool(local) and self.rng.random() < 0.1
            rows.append((province, city, repurchase, self.rng.choice(local) if repurchase else None))
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(name=self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, 2)), source=Source.HOTLINE,
                         lifecycle_stage=Stage.OWNER if repurchase else Stage.PROSPECT, province=province, city=city,
                         home_dealer_id=home)
                for province, city, repurchase, home in rows)
            leads = Lead.objects.bulk_create(
                Lead(customer=customer, source=LeadSource.HOTLINE, model=self.rng.choice(self.models),
                     timeframe=self.rng.choice(("hot", "hot", "mid", "mid", "long")), province=province, city=city,
                     repurchase=repurchase, org_unit_id=self.call_center_id)
                for customer, (province, city, repurchase, _) in zip(customers, rows, strict=True))
        return [lead.pk for lead in leads]

    def load(self, ids: list[int]):
        """The leads as a caller holds them (capture has the customer at hand)."""
        from guanxi.sales.models import Lead

        return list(Lead.objects.select_related("customer").filter(pk__in=ids).order_by("pk"))

    @staticmethod
    def clear_backlogs() -> None:
        """Every lead of earlier runs still waiting for a call is called: backlogs start empty. Then
        VACUUM ANALYZE of the tables runs write, as autovacuum would between them on a server that
        has it (the one here has it off: loads()'s backlog count took 18 ms among 138,000 dead rows,
        1.8 ms after VACUUM)."""
        from django.db import connection
        from django.utils import timezone

        from guanxi.sales.models import WAITING_FOR_A_CALL, Lead, LeadStatus

        Lead.objects.filter(status__in=WAITING_FOR_A_CALL).update(status=LeadStatus.CONTACTED,
                                                                   contacted_at=timezone.now())
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) sales_lead, sales_dealerdesk, sales_leadevent, customers_customer, "
                           "customers_customerrelationship, core_domainevent, auditlog_logentry")


# --- lead assignment --------------------------------------------------------------------------


def assignment_table(bench: Bench, leads: int, decisions: int, args) -> None:
    from guanxi.sales import assignment

    decision_runs = [decision_speed(bench, decisions) for _ in range(args.runs)]
    paths = {"one by one": lambda leads_: assign(leads_, bench.actor, None)}
    if hasattr(assignment, "assign_waiting"):
        paths[f"assign_waiting, {args.batch} a transaction"] = lambda leads_: assign(leads_, bench.actor, args.batch)
    measured = {name: [] for name in paths}
    for number in range(args.runs + 1):  # the paths take turns, so that a busy spell falls on both
        for name, path in paths.items():
            log(f"{name}: {'warm-up' if not number else f'run {number} of {args.runs}'}, {leads:,} leads")
            bench.clear_backlogs()
            result = path(bench.load(bench.new_leads(leads)))
            if number:
                measured[name].append(result)

    rate = statistics.median(run["rate"] for run in decision_runs)
    p99 = statistics.median(run["p99"] for run in decision_runs)
    print(f"\n## 1. Lead assignment, {bench.dealers} dealers, {bench.rules} rules (medians of {args.runs} runs)\n")
    print("| figure | Guanxi | goal | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| `choose_dealer` decisions per CPU second [wall] | {rate:,.0f} "
          f"[{statistics.median(r['wall_rate'] for r in decision_runs):,.0f}] | {GOAL_LEADS_PER_SECOND:,.0f} leads/s "
          f"| {rate / GOAL_LEADS_PER_SECOND:.0f} |")
    print(f"| `choose_dealer` p99 of a call, µs | {p99 * 1e6:.1f} | | |")
    for name, runs in measured.items():
        per_second = statistics.median(run["rate"] for run in runs)
        spread = f"{min(run['rate'] for run in runs):,.0f}-{max(run['rate'] for run in runs):,.0f}"
        print(f"| {name}: leads per second ({spread}) | {per_second:,.0f} | {GOAL_LEADS_PER_SECOND:,.0f} "
              f"| {per_second / GOAL_LEADS_PER_SECOND:.2f} |")
        print(f"| {name}: p99 of a {runs[0]['unit']}, ms | {statistics.median(run['p99'] for run in runs) * 1e3:.1f} "
              "| | |")
        print(f"| {name}: CPU of this process per lead, ms | "
              f"{statistics.median(run['cpu_per_lead'] for run in runs) * 1e3:.2f} | | |")
    outcomes = collections.Counter(code for runs in measured.values() for run in runs for code in run["first_reason"])
    print("\nFirst reason of each timed decision: "
          + ", ".join(f"{code} {count:,}" for code, count in outcomes.most_common()) + ".")

    statements(bench, max(20, leads // 10), args.batch)
    if args.profile:
        bench.clear_backlogs()
        profile(bench.load(bench.new_leads(leads)), bench.actor)


def decision_speed(bench: Bench, decisions: int) -> dict[str, float]:
    """`choose_dealer` alone on the rules and loads the database holds; after each decision the
    chosen dealer's load grows in memory (one more lead waiting, handed a lead just now)."""
    from dataclasses import replace

    from guanxi.sales import assignment, distribution

    rules = assignment.rules()
    loads = assignment.loads({rule.dealer_id for rule in rules})
    facts = []
    for _ in range(1_000):
        province, city = bench.place()
        local = bench.dealers_by_province.get(province)
        previous = bench.rng.choice(local) if local and bench.rng.random() < 0.1 else None
        facts.append(distribution.LeadFacts(province, city, bench.rng.choice(bench.models),
                                            bench.rng.choice(("hot", "mid", "long")), previous))
    cpu, wall = [], []
    clock = time.time()
    for made in range(decisions):
        lead = facts[made % len(facts)]
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        choice = distribution.choose_dealer(lead, rules, loads)
        cpu.append(time.thread_time() - cpu0)
        wall.append(time.perf_counter() - wall0)
        if choice.dealer_id is not None:
            load = loads[choice.dealer_id]
            loads[choice.dealer_id] = replace(load, waiting=load.waiting + 1, last_assigned=clock + made)
        if made % 2_000 == 1_999:  # the backlogs are called now and then
            loads = {key: replace(load, waiting=0) for key, load in loads.items()}
    return {"rate": decisions / sum(cpu), "wall_rate": decisions / sum(wall), "p99": percentile(sorted(cpu), 99)}


def assign(leads: list, actor, batch: int | None) -> dict:
    """`batch` None: each lead in its own transaction through assign_automatically, as capture and
    the API hand leads over; else `batch` leads a transaction through assign_waiting (every lead
    of a batch waits for all of it). Audited as a job, as the worker's changes are."""
    from django.db import transaction

    from guanxi.core.audit import Channel, audit_context
    from guanxi.sales import assignment

    times, step = [], batch or 1
    with audit_context(actor=actor, channel=Channel.JOB):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for start in range(0, len(leads), step):
            began = time.perf_counter()
            with transaction.atomic():
                if batch is None:
                    assignment.assign_automatically(leads[start], actor)
                else:
                    assignment.assign_waiting(leads[start:start + batch], actor)
            times.append(time.perf_counter() - began)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"rate": len(leads) / wall, "p99": percentile(sorted(times), 99), "cpu_per_lead": cpu / len(leads),
            "unit": "lead" if batch is None else f"batch of {batch}",
            "first_reason": [lead.why_dealer[0][0] if lead.why_dealer else "" for lead in leads]}


TABLE_AFTER = {  # where a statement names its table
    "SELECT": re.compile(r'\bFROM\s+"?(\w+)', re.I), "DELETE": re.compile(r'\bFROM\s+"?(\w+)', re.I),
    "INSERT": re.compile(r'^\s*INSERT\s+INTO\s+"?(\w+)', re.I), "UPDATE": re.compile(r'^\s*UPDATE\s+"?(\w+)', re.I),
}


def statement_kind(sql: str) -> str:
    """"SELECT sales_lead", "INSERT auditlog_logentry" …; savepoints together; BEGIN, COMMIT."""
    head = sql.split(None, 1)[0].upper()
    if head in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "SAVEPOINT and RELEASE"
    table = TABLE_AFTER[head].search(sql) if head in TABLE_AFTER else None
    return f"{head} {table.group(1)}" if table else head


def statements(bench: Bench, leads: int, batch: int) -> None:
    """The statements each path sends, by kind and table: one by one over `leads` leads (per lead),
    assign_waiting for one batch (per batch)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.sales import assignment

    paths = [("one by one, per lead", leads, leads, None)]
    if hasattr(assignment, "assign_waiting"):
        paths.append((f"assign_waiting, per batch of {batch}", batch, 1, batch))
    counted = []
    for _, size, per, in_batches_of in paths:
        bench.clear_backlogs()
        sample = bench.load(bench.new_leads(size))
        with CaptureQueriesContext(connection) as captured:
            assign(sample, bench.actor, in_batches_of)
        kinds = collections.Counter(statement_kind(query["sql"]) for query in captured.captured_queries)
        counted.append({kind: count / per for kind, count in kinds.items()})
    print(f"\nStatements sent, by kind and table (one by one over {leads} leads):\n")
    print("| statement | " + " | ".join(name for name, *_ in paths) + " |")
    print("|---|" + "---:|" * len(paths))
    for kind in sorted(set().union(*counted), key=lambda kind: -counted[0].get(kind, 0)):
        print(f"| {kind} | " + " | ".join(f"{kinds.get(kind, 0):.2f}" for kinds in counted) + " |")
    print("| all | " + " | ".join(f"{sum(kinds.values()):.2f}" for kinds in counted) + " |")


PROFILED_PARTS = (  # (where, function, what): the parts of one-by-one assignment --profile reports
    ("sales/assignment.py", "choose", "choose: the rules, the loads, the decision"),
    ("sales/assignment.py", "rules", "· rules(): the rules in use"),
    ("sales/assignment.py", "loads", "· loads(): backlogs and desks"),
    ("sales/assignment.py", "hand_over", "hand_over: the writes"),
    ("auditlog/receivers.py", "log_update", "· auditlog before each save: the row read again, an entry"),
    ("sales/assignment.py", "desk_of", "· desk_of: the desk's working hours"),
    ("customers/relationships.py", "relate", "· relate: the LEAD relationship, its entry and its event"),
    ("core/outbox.py", "emit", "· emit: the domain events (relate's too)"),
    ("backends/base/base.py", "commit", "COMMIT"),
    ("core/outbox.py", "_wake_worker", "after the commit: the worker woken once per event (huey)"),
)


def profile(leads: list, actor) -> None:
    """Where one-by-one assignment spends its time, by part, under cProfile (which slows Python
    code more than the database's: the shares are the figure, not the milliseconds)."""
    profiler = cProfile.Profile()
    profiler.runcall(assign, leads, actor, None)
    stats = pstats.Stats(profiler).stats
    total = next(cumulative for (path, _, name), (_, _, _, cumulative, _) in stats.items()
                 if path.endswith("funnel.py") and name == "assign")
    print(f"\nWhere one-by-one assignment spends its time ({len(leads):,} leads under cProfile, "
          f"{total / len(leads) * 1e3:.1f} ms a lead there):\n")
    print("| part | calls per lead | ms per lead | share |")
    print("|---|---:|---:|---:|")
    for where, function, what in PROFILED_PARTS:
        found = [(calls, cumulative) for (path, _, name), (_, calls, _, cumulative, _) in stats.items()
                 if path.endswith(where) and name == function]
        calls, cumulative = map(sum, zip(*found, strict=True)) if found else (0, 0.0)
        print(f"| {what} | {calls / len(leads):.2f} | {cumulative / len(leads) * 1e3:.2f} "
              f"| {cumulative / total:.0%} |")


# --- funnel and forecast ----------------------------------------------------------------------


CUSTOMERS, OPPORTUNITIES = 3_000_000, 1_000_000
GOAL_HQ_MS, GOAL_DEALER_MS = 300.0, 50.0
# Where the deals stand: the seeds' funnel (80 → 30 → 16 → 10 of 80) as a standing mix of open
# deals, with won and lost beside them. Furthest stage reached: the stage for open and won deals,
# anything up to contract for lost ones.
STAGE_MIX = (("initial", 0.30), ("intent", 0.14), ("negotiation", 0.08), ("contract", 0.05), ("won", 0.18),
             ("lost", 0.25))


def clone_rows(model, template_pk: int, count: int, overrides: dict[str, str], source: str = "") -> None:
    """`count` copies of one row made by Django (so every column has the value Django gives it),
    with `overrides` as SQL expressions over `g` (1..count) and the template row `t`; `source`
    replaces the generate_series when the copies come from another table (aliased `g`)."""
    from django.db import connection

    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields if not field.primary_key]
    values = [overrides.get(column, f't."{column}"') for column in columns]
    rows = source or f"generate_series(1, {count}) AS g"
    with connection.cursor() as cursor:
        names = ", ".join(f'"{column}"' for column in columns)
        cursor.execute(f'INSERT INTO "{table}" ({names}) '
                       f'SELECT {", ".join(values)} FROM "{table}" AS t, {rows} WHERE t.id = {int(template_pk)}')


def prepare_deals(bench: Bench) -> tuple[int, int]:
    """Customers up to 3M and opportunities up to 1M across the 40 dealers (with their stage
    history), made once in SQL and reused by later runs; the counts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from guanxi.core.models import OrgUnit, OrgUnitKind
    from guanxi.customers.models import Customer
    from guanxi.sales.models import Opportunity, OpportunityStep

    customers, deals = Customer.objects.order_by().count(), Opportunity.objects.order_by().count()
    dealers = list(OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).order_by("pk").values_list("pk", flat=True))
    array = f"ARRAY[{','.join(map(str, dealers))}]"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.9)")
        if customers < CUSTOMERS:
            log(f"customers {customers:,} → {CUSTOMERS:,} (about a minute a million)")
            template = Customer.objects.create(name="王伟", province="上海市", city="上海")
            clone_rows(Customer, template.pk, CUSTOMERS - customers - 1, {
                "name": "t.name || g", "home_dealer_id": f"({array})[1 + g % {len(dealers)}]",
                "created_at": "t.created_at - g * interval '30 seconds'"})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.9)")
        if deals < OPPORTUNITIES:
            log(f"opportunities {deals:,} → {OPPORTUNITIES:,} with their stage history")
            # a bulk load as a restore does it: without the funnel cells' row trigger (a million updates of
            # the same few cells in one transaction ran for over half an hour), the cells rebuilt after
            cursor.execute("SET LOCAL session_replication_role = replica")
            cut, stages = 0.0, []
            for stage, share in STAGE_MIX:
                cut += share
                stages.append(f"WHEN draw < {cut:.2f} THEN '{stage}'")
            first = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
            now = timezone.now()
            template = Opportunity.objects.create(name="template", customer_id=first, dealer_id=dealers[0],
                                                  model=bench.models[0], amount=200_000, stage_since=now)
            models = "ARRAY[" + ",".join(f"'{name}'" for name in bench.models) + "]"
            clone_rows(Opportunity, template.pk, 0, {
                "name": "g.model || ' · ' || g.n", "customer_id": f"{first} + (g.n * 3) % {CUSTOMERS - 10}",
                "dealer_id": f"({array})[1 + g.n % {len(dealers)}]", "model": "g.model", "stage": "g.stage",
                "amount": "round((80000 + g.draw2 * 320000)::numeric, -2)",
                "probability": "CASE WHEN g.draw2 < 0.05 THEN 50 END",
                "expected_close": "(now() + (g.draw2 * 240 - 60) * interval '1 day')::date",
                "stage_since": "now() - g.draw2 * interval '40 days'",
                "furthest": "CASE g.stage WHEN 'initial' THEN 0 WHEN 'intent' THEN 1 WHEN 'negotiation' THEN 2 "
                            "WHEN 'contract' THEN 3 WHEN 'won' THEN 4 ELSE floor(g.draw2 * 4)::int END",
                "closed_at": "CASE WHEN g.stage IN ('won', 'lost') THEN now() - g.draw2 * interval '300 days' END",
                "created_at": "now() - g.draw2 * interval '400 days'"},
                source=f"(SELECT n, ({models})[1 + n % {len(bench.models)}] AS model, draw, random() AS draw2, "
                       f"CASE {' '.join(stages)} ELSE 'lost' END AS stage FROM (SELECT n, random() AS draw "
                       f"FROM generate_series(1, {OPPORTUNITIES - deals - 1}) AS n) AS d) AS g")
            step = OpportunityStep.objects.create(opportunity=template, to_stage="initial", at=now)
            order = "ARRAY['initial','intent','negotiation','contract']"
            clone_rows(OpportunityStep, step.pk, 0, {
                "opportunity_id": "g.id", "from_stage": f"CASE WHEN g.k = 0 THEN '' ELSE ({order})[g.k] END",
                "to_stage": f"CASE WHEN g.k <= least(g.furthest, 3) THEN ({order})[g.k + 1] "
                            "WHEN g.stage = 'won' THEN 'won' ELSE 'lost' END",
                "at": "g.created_at + g.k * interval '9 days'",
                "days_in_previous": "CASE WHEN g.k > 0 THEN 2 + random() * 14 END"},
                source="(SELECT o.id, o.stage, o.furthest, o.created_at, k FROM sales_opportunity AS o, "
                       "generate_series(0, least(o.furthest, 3) + CASE WHEN o.stage IN ('won', 'lost') THEN 1 "
                       "ELSE 0 END) AS k "
                       "WHERE o.name <> 'template') AS g")
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            cursor.execute("SELECT sales_funnel_cells_rebuild()")
    if not Opportunity.objects.exclude(days_initial=None).exists():
        log("the deals' days in each stage from their history (as the moves keep them)")
        sums = ", ".join(f"days_{stage} = h.{stage}" for stage in ("initial", "intent", "negotiation", "contract"))
        picks = ", ".join(f"sum(days_in_previous) FILTER (WHERE from_stage = '{stage}') AS {stage}"
                          for stage in ("initial", "intent", "negotiation", "contract"))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # as above: the cells rebuilt after
            cursor.execute(f"UPDATE sales_opportunity AS o SET {sums} FROM (SELECT opportunity_id, {picks} "
                           "FROM sales_opportunitystep WHERE from_stage <> '' GROUP BY 1) AS h "
                           "WHERE h.opportunity_id = o.id")
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            cursor.execute("SELECT sales_funnel_cells_rebuild()")
    with connection.cursor() as cursor:  # as autovacuum would (off on the server here): a migration rewrote rows
        cursor.execute("VACUUM (ANALYZE) customers_customer, sales_opportunity, sales_opportunitystep, "
                       "sales_funnelcell")
    return Customer.objects.order_by().count(), Opportunity.objects.order_by().count()


def funnel_table(bench: Bench, args) -> None:
    """Issue 9: funnel + forecast with 1M opportunities and 3M customers, p95 <= 300 ms for head
    office and <= 50 ms for one dealer, through the API as a signed-in user calls it (Django's
    test client in this process: no network, the whole request and response otherwise)."""
    from django.test import Client

    from guanxi.core.models import OrgUnit, OrgUnitKind, User

    customers, deals = prepare_deals(bench)
    hq = OrgUnit.objects.get(code="HQ")
    dealer = OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).order_by("pk").first()
    clients = {}
    for name, role, unit in (("hq", "hq_sales", hq), ("dealer", "dealer_manager", dealer)):
        user = User.objects.filter(username=f"bench-funnel-{name}").first() or User.objects.create_user(
            f"bench-funnel-{name}", role=role, org_unit=unit)
        clients[name] = Client()
        clients[name].force_login(user)
    month = time.strftime("%Y-%m")
    requests = (("funnel and forecast", "/api/funnel"), ("funnel page", "/sales/funnel/"),
                ("forecast against targets", f"/api/forecast-vs-target?month={month}"),
                ("funnel closing from January (the deals, not the cells)",
                 f"/api/funnel?close_from={month[:4]}-01-01"))
    repeat = 10 if args.quick else 20
    print(f"\n## 2. Funnel and forecast\n\n{customers:,} customers, {deals:,} opportunities; p95 of {repeat} "
          f"requests a run, medians of {args.runs} runs after a warm-up\n")
    print("| who | request | p95 ms | goal ms | goal / ours |\n|---|---|---:|---:|---:|")
    for who, goal in (("hq", GOAL_HQ_MS), ("dealer", GOAL_DEALER_MS)):
        for label, url in requests:
            client = clients[who]
            status = client.get(url).status_code
            if status != 200:
                raise SystemExit(f"{who} {url}: {status}")
            runs = []
            for _ in range(args.runs):
                times = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    client.get(url)
                    times.append((time.perf_counter() - start) * 1e3)
                runs.append(percentile(sorted(times), 95))
            p95 = statistics.median(runs)
            people = "head office" if who == "hq" else f"one dealer ({dealer.code})"
            print(f"| {people} | {label} `{url}` | {p95:.1f} | {goal:.0f} | {goal / p95:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
