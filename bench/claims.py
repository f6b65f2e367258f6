"""Claims on the database path (issue 11): claims per second with several server processes, 1,000 agents and
5,000 waiting contacts, beside the in-memory routing engine on the same population and the goal (>= 500 claims/s,
p99 <= 20 ms).

    python bench/claims.py            # PostgreSQL with 4 processes, then SQLite with 1; about 5 minutes on 2 cores
    python bench/claims.py --quick    # shorter runs; about 3 minutes (most of it migrating the two databases)
    python bench/claims.py --profile  # adds where one claim's time goes on PostgreSQL (statements, functions, plan)

1. The population (`--seed`), drawn once and given to every database and to the engine: `--agents` agents
   with two or three of eight skills at proficiency 1-5, Mandarin (and English, Cantonese) and one or two
   regions, on four kinds of desk (voice 1; chat 3 + WeChat 2; email 5 + SMS 3; blended voice 1 + chat 2 +
   email 3); `--waiting` contacts: voice 45 %, email 20 %, chat 20 %, WeChat 10 %, SMS 5 %, customer tiers
   VIP 5 %, gold 15 %, silver 30 %, standard 50 % (unknown parties: the claim never reads the customer),
   most asking one skill at 1-4, a language, one in ten a region, waiting up to 5 minutes (voice) to 4 hours
   (email). Every contact can be served by someone at the policy's widest ring (drawn again otherwise).
   The policy in force (saved as a supervisor saves it): Guanxi's value policy with three rings (any
   proficiency after 30 s, any language after 60 s, any region after 120 s).
2. PostgreSQL: a database of its own (`--database-url`, default gx_bench_claims), made for the run and
   dropped at the end; SQLite: a throw-away GUANXI_DATA_DIR. Migrated, the roster and the queue bulk-loaded
   (each contact's QUEUED event too), the routing policy saved.
3. `--processes` OS processes (spawned: each its own Django and database connection; 1 on SQLite), each
   serving an equal share of the agents, as the server processes serve the desktops. The claim is
   `services.dispatch_agent(agent, channel)`: what the desktop's "available" button runs for each channel of
   the agent and what runs when an agent closes a contact; the worker's minute sweep runs the same `_claim`.
   Two measurements, each `--runs` runs after a warm-up, medians over the runs:
   - agents claiming: the agents take turns coming on duty on each of their channels, each call filling the
     channel's free slots as far as there is something the agent may take (as the engine fills an agent),
     until every agent had its turns or `--seconds` have passed (the queue goes down from 5,000 as they do);
     before each run the offers go back to the queue and the waits are set back as they were, so every run
     starts alike;
   - the full cycle, from there: each process's agents close their oldest contact (`complete_contact`),
     claim again on that channel, answer (`accept_offer`), and a new contact arrives for each one closed
     (`enqueue_contact`), so the queue stays at 5,000: claims per second of the whole loop, each step's time.
   A claim is a contact reserved for an agent: claims per second are contacts offered, wall clock over all
   processes together (from the common start to the last one done), and the calls that made them are counted
   beside them; latencies are each call's, the database's time included. Beside them, per claim, the CPU of the
   claiming processes and of the PostgreSQL backends serving the bench's database (not the server's other
   work): the figures others' load on the machine disturbs least.
4. Checked after every run: no contact offered to two agents (the claims the processes saw, and the event
   log: one OFFERED event a contact), every offer on its agent's row, no agent above its capacity on a
   channel, none lost (the states add up to the contacts made, the waiting count is what the claims and the
   arrivals leave), each closed contact offered, answered and completed by the same agent.
5. The in-memory engine (`routing.RoutingEngine`, one process) on the same population: the agents made
   available one by one with the same queue (claims per CPU second of the engine calls), and the same cycle
   (complete, answer, a new arrival). It is the ceiling a single process's routing could reach, not a peer
   doing the same work: it keeps the queue in its heaps and writes nothing.

The machine may be shared: the busy share of its CPU just before the start and the load average come first.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime as dt
import json
import multiprocessing
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

from funnel import create_database, drop_database, statement_kind
from lookup import _cpu_times, busy_share, log, percentile

from guanxi.contact_center.policies import VALUE
from guanxi.contact_center.routing import Agent as EngineAgent
from guanxi.contact_center.routing import AgentState, Contact, Requirement, RoutingEngine, RoutingPolicy

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/gx_bench_claims"
GOAL_PER_SECOND, GOAL_P99_MS = 500.0, 20.0
SKILLS = ("sales", "service_booking", "warranty", "complaint", "finance", "parts", "ev_charging", "roadside")
REGIONS = ("east", "south", "north", "west")
DESKS = (  # share of the roster, what the desk takes at once
    (0.45, {"voice": 1}),
    (0.25, {"chat": 3, "wechat": 2}),
    (0.15, {"email": 5, "sms": 3}),
    (0.15, {"voice": 1, "chat": 2, "email": 3}),
)
CHANNELS = {"voice": 0.45, "email": 0.20, "chat": 0.20, "wechat": 0.10, "sms": 0.05}
TIERS = {"vip": 0.05, "gold": 0.15, "silver": 0.30, "standard": 0.50}
LONGEST_WAIT = {"voice": 300, "chat": 600, "wechat": 1800, "sms": 1800, "email": 4 * 3600}  # seconds
POLICY = {**VALUE, "expansion_steps": [{"after_seconds": 30, "min_proficiency": 1},
                                       {"after_seconds": 60, "drop": ["language"]},
                                       {"after_seconds": 120, "drop": ["region"]}]}
MEASUREMENTS = (("burst", "agents claiming"), ("cycle", "full cycle (close, claim, answer, a new arrival)"))
BARRIER_SECONDS = 300  # a worker's Django set-up on a busy machine


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--processes", type=int, default=4, help="claiming processes on PostgreSQL (4)")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each measurement (3, at least 3)")
    parser.add_argument("--seconds", type=float, help="longest run (8; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false", help="PostgreSQL only")
    parser.add_argument("--profile", action="store_true", help="where a claim's time goes, on PostgreSQL")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs: at least 3 (medians, never a single timing)")
    if min(args.processes, args.agents, args.waiting) < 1:
        parser.error("--processes, --agents and --waiting must be positive")
    args.seconds = args.seconds or (3.0 if args.quick else 8.0)

    busy, load = busy_share(), ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"# Claims on the database path\n\n{os.cpu_count()} cores, {busy:.0%} busy with other work just before "
          f"the start, load average {load} (1, 5, 15 min); {args.agents:,} agents, {args.waiting:,} waiting; "
          f"runs of at most {args.seconds:g} s, medians of {args.runs} after a warm-up\n", flush=True)
    population = Population(random.Random(args.seed), args.agents, args.waiting)
    log("the in-memory engine")
    engine = engine_figures(population, args)
    base = {name: value for name, value in os.environ.items()
            if name not in ("GUANXI_DATABASE_URL", "GUANXI_TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    base.update(GUANXI_DEBUG="0", DJANGO_SETTINGS_MODULE="guanxi.settings")
    results = []
    with tempfile.TemporaryDirectory(prefix="gx-bench-claims-") as data_dir:
        create_database(args.database_url, reuse=False)
        try:
            env = {**base, "GUANXI_DATA_DIR": data_dir, "GUANXI_DATABASE_URL": args.database_url}
            results.append((f"PostgreSQL, {args.processes} processes", in_session(env, args.processes, population,
                                                                                  args, args.profile)))
        finally:
            drop_database(args.database_url)
        if args.sqlite:
            with tempfile.TemporaryDirectory(prefix="gx-bench-claims-sqlite-") as sqlite_dir:
                results.append(("SQLite, 1 process", in_session({**base, "GUANXI_DATA_DIR": sqlite_dir}, 1,
                                                                population, args, False)))
    report(results, engine, args)
    return 0 if all(not r["failures"] for _, r in results) else 1


# --- the population (plain data: the databases and the engine get the same) --------------------------


class Population:
    """The roster and the queue, and the contacts that arrive later, drawn from one seeded generator."""

    def __init__(self, rng: random.Random, agents: int, waiting: int):
        self.rng = rng
        self.policy = RoutingPolicy.from_dict(POLICY, SKILLS)
        self.agents = [self.agent() for _ in range(agents)]
        self._roster = [EngineAgent(str(n), a["skills"], a["capacity"], frozenset(a["languages"]),
                                    frozenset(a["regions"])) for n, a in enumerate(self.agents)]
        self._servable: dict[Requirement, bool] = {}
        self.waiting = [self.contact(waited=True) for _ in range(waiting)]

    def agent(self) -> dict:
        rng = self.rng
        capacity = rng.choices([desk for _share, desk in DESKS], [share for share, _desk in DESKS])[0]
        languages = [name for name, share in (("zh", 0.95), ("en", 0.3), ("yue", 0.1)) if rng.random() < share]
        return {"skills": {skill: rng.choices(range(1, 6), (1, 2, 3, 3, 1))[0]
                           for skill in rng.sample(SKILLS, rng.randint(2, 3))},
                "languages": languages or ["zh"], "regions": rng.sample(REGIONS, rng.randint(1, 2)),
                "capacity": dict(capacity)}

    def contact(self, waited: bool = False) -> dict:
        """A contact someone on the roster can serve at the widest ring; `waited`: it has been waiting a while."""
        rng = self.rng
        while True:
            channel = rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
            requirement = {}
            if rng.random() < 0.85:
                requirement["skills"] = {rng.choice(SKILLS): rng.choices(range(1, 5), (2, 4, 3, 1))[0]}
            language = rng.choices(("zh", "en", "yue", None), (0.70, 0.08, 0.04, 0.18))[0]
            if language:
                requirement["language"] = language
            if rng.random() < 0.1:
                requirement["region"] = rng.choice(REGIONS)
            if self.servable(channel, requirement):
                break
        tier = rng.choices(list(TIERS), list(TIERS.values()))[0]
        return {"channel": channel, "requirement": requirement, "tier": tier, "value": round(rng.random() * 10_000, 2),
                "waited": rng.random() * LONGEST_WAIT[channel] if waited else 0.0}

    def servable(self, channel: str, requirement: dict) -> bool:
        widest = self.policy.ladder(engine_requirement(channel, requirement))[-1]
        if widest not in self._servable:
            self._servable[widest] = any(widest.is_met_by(agent) for agent in self._roster)
        return self._servable[widest]


def engine_requirement(channel: str, requirement: dict) -> Requirement:
    return Requirement(channel, tuple(sorted(requirement.get("skills", {}).items())), requirement.get("language"),
                       requirement.get("region"))


# --- the in-memory engine ------------------------------------------------------------------------------


def engine_figures(population: Population, args) -> dict:
    """The engine on the same population, `--runs` times: agents made available one by one with the whole queue
    waiting (each call fills the agent's desk), then the cycle. CPU time of the engine calls."""
    runs = [engine_run(population, cycles=2_000 if args.quick else 5_000) for _ in range(args.runs)]
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def engine_run(population: Population, cycles: int) -> dict:
    engine = RoutingEngine(population.policy, [
        EngineAgent(f"a{n}", a["skills"], a["capacity"], frozenset(a["languages"]), frozenset(a["regions"]))
        for n, a in enumerate(population.agents)])
    serial = iter(range(10**9))

    def contact(row: dict, now: float) -> Contact:
        need = row["requirement"]
        return Contact(f"c{next(serial)}", row["channel"], now - row["waited"], need.get("skills", {}),
                       need.get("language"), need.get("region"), row["tier"], row["value"])

    for row in population.waiting:
        if engine.contact_arrived(contact(row, 0.0), 0.0):
            raise AssertionError("an offer with every agent offline")
    burst = []
    for n in range(len(population.agents)):
        c0 = time.thread_time()
        offers = engine.set_agent_state(f"a{n}", AgentState.AVAILABLE, 0.0)
        burst.append(time.thread_time() - c0)
        for offer in offers:  # answered, as the database's offers are before its cycle
            engine.accept(offer.contact_id, offer.agent_id, 0.0)
    held = collections.deque(engine.assignments())
    claimed = len(held)
    cycle, made, now = [], 0, 0.0
    for _ in range(cycles):
        if not held:
            break  # every desk emptied with nothing left it may take
        now += 1 / GOAL_PER_SECOND
        arriving = contact(population.contact(), now)  # the caller builds the contact; only the engine is timed
        c0 = time.thread_time()
        offers = engine.complete(held.popleft(), now)
        offers += engine.contact_arrived(arriving, now)
        for offer in offers:
            engine.accept(offer.contact_id, offer.agent_id, now)
        cycle.append(time.thread_time() - c0)
        made += len(offers)
        held.extend(offer.contact_id for offer in offers)
    return {"burst_rate": claimed / sum(burst), "burst_claims": claimed, "burst_p99_ms": p99_ms(burst),
            "cycle_rate": made / sum(cycle), "cycle_p99_ms": p99_ms(cycle), "waiting": engine.waiting_count()}


def p99_ms(seconds: list[float]) -> float:
    return percentile(sorted(seconds), 99) * 1e3


# --- one database: a session process that sets up, resets, checks, and its claiming processes ------------


def in_session(env: dict, processes: int, population: Population, args, profile: bool) -> dict:
    """Runs `session` in a spawned process of its own (settings are read once per process) and returns its
    figures."""
    context = multiprocessing.get_context("spawn")
    outbox = context.Queue()
    process = context.Process(target=session, args=(env, processes, population, args, profile, outbox))
    process.start()
    try:
        result = outbox.get()
    finally:
        process.join()
    if "error" in result:
        raise SystemExit(f"the session failed:\n{result['error']}")
    return result


def setup_django(env: dict) -> None:
    """Django on `env`'s settings; the log's clock stays the machine's (Django sets TZ to its TIME_ZONE)."""
    machine_tz = os.environ.get("TZ")
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    if machine_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = machine_tz
    time.tzset()


def session(env: dict, processes: int, population: Population, args, profile: bool, outbox) -> None:
    try:
        setup_django(env)
        outbox.put(Session(population, args).measure(env, processes, profile))
    except BaseException:  # noqa: BLE001 - handed to the main process, which stops with it
        outbox.put({"error": traceback.format_exc()})


class Session:
    """The bench's database: loaded once, set back before each run of agents claiming, checked after each run."""

    def __init__(self, population: Population, args):
        from django.core.management import call_command
        from django.db import connection

        self.population, self.args, self.vendor = population, args, connection.vendor
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        self.load()
        log(f"{self.vendor}: migrated and loaded in {time.perf_counter() - started:.0f} s")

    def load(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.db import transaction
        from django.utils import timezone

        from guanxi.contact_center import services
        from guanxi.contact_center.models import Agent, RoutingPolicyVersion
        from guanxi.core.models import User

        unusable = make_password(None)
        with transaction.atomic():
            users = User.objects.bulk_create(User(username=f"claims-agent-{n:04d}", password=unusable)
                                             for n in range(len(self.population.agents)))
            Agent.objects.bulk_create(Agent(user=user, state=Agent.State.AVAILABLE, **row)
                                      for user, row in zip(users, self.population.agents))
            services.check_policy(POLICY)
            self.now = timezone.now()
            RoutingPolicyVersion.objects.create(data=POLICY, saved_at=self.now, note="bench/claims.py")
            self.add_waiting(self.population.waiting)
        unroutable = services.report_unroutable()
        if unroutable:
            raise SystemExit(f"{len(unroutable)} contacts nobody can serve, e.g. {unroutable[0].unroutable_reason}")
        self.agent_ids = list(Agent.objects.order_by("pk").values_list("pk", flat=True))
        self.contacts_made = len(self.population.waiting)

    def add_waiting(self, rows: list[dict]) -> None:
        """Contacts in the queue as `enqueue_contact` leaves them (the requirement as stored, a QUEUED event),
        written in bulk: the set-up is not what is measured."""
        from guanxi.contact_center import services
        from guanxi.contact_center.models import ContactEvent, QueuedContact

        contacts = QueuedContact.objects.bulk_create(
            QueuedContact(channel=row["channel"], requirement=services.checked_requirement(row["channel"],
                                                                                          row["requirement"]),
                          tier=row["tier"], value=row["value"], arrival=self.now - dt.timedelta(seconds=row["waited"]))
            for row in rows)
        ContactEvent.objects.bulk_create(ContactEvent(contact=contact, kind=ContactEvent.Kind.QUEUED,
                                                      at=contact.arrival) for contact in contacts)

    def measure(self, env: dict, processes: int, profile: bool) -> dict:
        context = multiprocessing.get_context("spawn")
        barrier, outbox = context.Barrier(processes + 1), context.Queue()
        shares = [self.agent_ids[n::processes] for n in range(processes)]
        inboxes = [context.Queue() for _ in shares]
        workers = [context.Process(target=worker, args=(env, share, self.population, self.args.seed + 1 + n, barrier,
                                                        inbox, outbox))
                   for n, (share, inbox) in enumerate(zip(shares, inboxes))]
        for process in workers:
            process.start()
        self.failures: list[str] = []
        queues = (inboxes, barrier, outbox)
        try:
            burst = self.runs("burst", self.set_back, queues)
            self.to_cycle()
            cycle = self.runs("cycle", self.vacuum, queues)
        finally:
            for inbox in inboxes:
                inbox.put(("stop", 0))
            for process in workers:
                process.join(60)
                if process.is_alive():
                    process.kill()
        result = {"burst": burst, "cycle": cycle, "failures": self.failures, "offers_checked": self.offers_checked(),
                  "roster": self.roster_check()}
        if profile:
            result["profile"] = self.profile()
        return result

    def roster_check(self, times: int = 15) -> dict:
        """What each arrival asks of the roster, "could anyone ever serve this" (`services._roster_meets`, then
        one requirement), beside the way it was asked before (every agent made into the engine's agent, then
        the same requirement): medians of `times` calls each, ms, taken in turns."""
        from guanxi.contact_center import services
        from guanxi.contact_center.models import Agent

        first = self.population.waiting[0]  # at the widest ring, as the fallback asks
        need = self.population.policy.ladder(engine_requirement(first["channel"], first["requirement"]))[-1]

        def distinct_profiles():
            return services._roster_meets()(need)

        def every_agent():
            return any(need.is_met_by(agent.to_engine()) for agent in Agent.objects.all())

        timings: dict[str, list[float]] = {"ours": [], "before": []}
        for _ in range(times):
            for name, check in (("ours", distinct_profiles), ("before", every_agent)):
                started = time.perf_counter()
                answer = check()
                timings[name].append((time.perf_counter() - started) * 1e3)
                assert answer, "every contact of the population can be served"
        profiles = Agent.objects.order_by().values_list("skills", "languages", "regions", "capacity").distinct()
        return {name: statistics.median(ms) for name, ms in timings.items()} | {"profiles": len(set(
            json.dumps(row, sort_keys=True) for row in profiles))}

    def runs(self, mode: str, before_each, queues) -> list[dict]:
        """A warm-up (a third as long) and `--runs` runs of one measurement, each checked; the runs' figures."""
        kept = []
        for number in range(self.args.runs + 1):
            before_each()
            what = f"{dict(MEASUREMENTS)[mode]}, {f'run {number}' if number else 'warm-up'}"
            figures = self.run(mode, self.args.seconds if number else self.args.seconds / 3, *queues)
            self.check(figures, what)
            log(f"{self.vendor} {what}: {summary(figures)}")
            if number:
                kept.append(figures)
        return kept

    def run(self, command: str, seconds: float, inboxes, barrier, outbox) -> dict:
        """One run in every claiming process at once; their figures merged, the waiting count before it kept for
        the checks."""
        from guanxi.contact_center.models import QueuedContact

        self.waiting_before = QueuedContact.objects.filter(state=QueuedContact.State.WAITING).count()
        for inbox in inboxes:
            inbox.put((command, seconds))
        barrier.wait(BARRIER_SECONDS)
        cpu = self.cpu()
        parts = [outbox.get() for _ in inboxes]
        errors = [error for part in parts for error in part["errors"]]
        if errors:
            raise SystemExit(f"{self.vendor}: {len(errors)} errors in the claiming processes, e.g.\n{errors[0]}")
        return {**merge(parts, cpu, self.cpu()), "vendor": self.vendor}

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far: the machine's (everybody's), and on PostgreSQL those of the backends serving the
        bench's database (alive through the run: each process keeps its connection), not the server's others."""
        from django.db import connection

        total, idle = _cpu_times()
        ticks = os.sysconf("SC_CLK_TCK")
        figures = {"machine": (total - idle) / ticks, "postgres": 0.0}
        if self.vendor == "postgresql":
            ours = f" {connection.settings_dict['NAME']} ".encode()
            for entry in Path("/proc").iterdir():
                try:
                    if entry.name.isdigit() and ours in (entry / "cmdline").read_bytes():
                        fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                        figures["postgres"] += (int(fields[11]) + int(fields[12])) / ticks
                except OSError:
                    continue
        return figures

    # -- between runs

    def set_back(self) -> None:
        """Offers back to the queue (their OFFERED events gone), agents available with nothing in hand, and the
        waits as they were at the set-up: each run of agents claiming starts from the same queue."""
        from django.db import transaction
        from django.db.models import F
        from django.utils import timezone

        from guanxi.contact_center.models import Agent, ContactEvent, QueuedContact

        now = timezone.now()
        with transaction.atomic():
            ContactEvent.objects.filter(kind=ContactEvent.Kind.OFFERED).delete()
            QueuedContact.objects.filter(state=QueuedContact.State.OFFERED).update(
                state=QueuedContact.State.WAITING, offered_to=None, offered_at=None)
            QueuedContact.objects.update(arrival=F("arrival") + (now - self.now))
            Agent.objects.update(state=Agent.State.AVAILABLE, last_assignment_at=None)
        self.now = now
        self.vacuum()

    def to_cycle(self) -> None:
        """From where the last run of agents claiming left off: its offers answered (ASSIGNED, an ANSWERED event)
        and the queue filled up again to `--waiting`, so the cycle runs with every desk as full as it got."""
        from django.db import transaction
        from django.utils import timezone

        from guanxi.contact_center.models import ContactEvent, QueuedContact

        now = timezone.now()
        with transaction.atomic():
            offered = list(QueuedContact.objects.filter(state=QueuedContact.State.OFFERED)
                           .values_list("pk", "offered_to_id"))
            QueuedContact.objects.filter(pk__in=[pk for pk, _agent in offered]).update(
                state=QueuedContact.State.ASSIGNED)
            ContactEvent.objects.bulk_create(ContactEvent(contact_id=pk, agent_id=agent, at=now,
                                                          kind=ContactEvent.Kind.ANSWERED) for pk, agent in offered)
            self.now = now
            missing = len(self.population.waiting) - QueuedContact.objects.filter(
                state=QueuedContact.State.WAITING).count()
            self.add_waiting([self.population.contact(waited=True) for _ in range(missing)])
            self.contacts_made += missing

    def vacuum(self) -> None:
        """What autovacuum would do between runs (it is off on the server here): the runs rewrite many rows."""
        from django.db import connection

        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("VACUUM (ANALYZE) contact_center_queuedcontact, contact_center_contactevent, "
                               "contact_center_agent")
            else:
                cursor.execute("ANALYZE")

    # -- the checks

    def check(self, figures: dict, what: str) -> None:
        """No contact offered twice, none lost, no agent above capacity: from the claims the processes saw and
        from the rows and the event log."""
        from django.db.models import Count, F

        from guanxi.contact_center.models import Agent, ContactEvent, QueuedContact

        self.contacts_made += figures["enqueued"]
        claims, failures = figures["claims"], []
        contacts = [contact for contact, _agent in claims]
        if len(contacts) != len(set(contacts)):
            failures.append(f"{len(contacts) - len(set(contacts))} contacts claimed twice by the processes")
        offered = ContactEvent.objects.filter(kind=ContactEvent.Kind.OFFERED)
        twice = offered.values("contact").annotate(n=Count("pk")).filter(n__gt=1).count()
        if twice:
            failures.append(f"{twice} contacts with two OFFERED events")
        held = dict(QueuedContact.objects.filter(pk__in=contacts).values_list("pk", "offered_to_id"))
        wrong = sum(held.get(contact) != agent for contact, agent in claims)
        if wrong:
            failures.append(f"{wrong} claims not on the row of the agent who made them")
        elsewhere = offered.exclude(agent_id=F("contact__offered_to_id")).count()
        if elsewhere:
            failures.append(f"{elsewhere} OFFERED events naming another agent than the contact's")
        states = collections.Counter(dict(QueuedContact.objects.order_by().values_list("state")
                                          .annotate(Count("pk"))))
        if sum(states.values()) != self.contacts_made or set(states) - {"waiting", "offered", "assigned", "done"}:
            failures.append(f"contacts lost or strayed: {dict(states)} for {self.contacts_made:,} made")
        if states["waiting"] != self.waiting_before - len(claims) + figures["enqueued"]:
            failures.append(f"{states['waiting']:,} waiting after {len(claims):,} claims and {figures['enqueued']:,} "
                            f"arrivals, {self.waiting_before:,} before")
        if figures["mode"] == "burst" and states["offered"] != len(claims):
            failures.append(f"{states['offered']:,} offered for {len(claims):,} claims")
        if figures["mode"] == "cycle":
            closed = (ContactEvent.objects.filter(kind=ContactEvent.Kind.COMPLETED, contact__state="done",
                                                  agent_id=F("contact__offered_to_id"))
                      .values("contact").distinct().count())
            if closed != states["done"]:
                failures.append(f"{states['done'] - closed} contacts closed by another agent than the one offered them")
        over = 0
        loads = collections.defaultdict(collections.Counter)
        for agent, channel, count in (QueuedContact.objects.filter(state__in=QueuedContact.ACTIVE).order_by()
                                      .values_list("offered_to", "channel").annotate(Count("pk"))):
            loads[agent][channel] = count
        for agent, capacity in Agent.objects.values_list("pk", "capacity"):
            over += any(count > capacity.get(channel, 0) for channel, count in loads[agent].items())
        if over:
            failures.append(f"{over} agents above capacity")
        figures["states"] = dict(states)
        figures.pop("claims")
        self.failures.extend(f"{self.vendor} {what}: {failure}" for failure in failures)

    def offers_checked(self) -> int:
        from guanxi.contact_center.models import ContactEvent

        return ContactEvent.objects.filter(kind=ContactEvent.Kind.OFFERED).count()

    # -- where one claim's time goes

    def profile(self) -> dict:
        """One process claiming as in the runs, after the queue is set back: the statements a claim sends (by kind
        and table), the functions its time goes to (cProfile), and PostgreSQL's plan of the candidates' query."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from guanxi.contact_center import services
        from guanxi.contact_center.models import Agent, QueuedContact

        QueuedContact.objects.filter(state=QueuedContact.State.ASSIGNED).update(  # the cycle's desks emptied
            state=QueuedContact.State.DONE, ended_at=self.now)
        self.set_back()
        waiting = QueuedContact.objects.filter(state=QueuedContact.State.WAITING).count()
        agents = list(Agent.objects.filter(pk__in=self.agent_ids[:200]))
        slots = [(agent, channel) for agent in agents for channel in agent.capacity]
        with CaptureQueriesContext(connection) as captured:
            for agent, channel in slots[:100]:
                services.dispatch_agent(agent, channel)
        kinds, costs = collections.Counter(), collections.defaultdict(float)
        for query in captured.captured_queries:
            kind = statement_kind(query["sql"])
            kind = "SELECT contact_center_queuedcontact … UNION ALL … (the candidates)" if kind == "(SELECT" else kind
            kinds[kind] += 1
            costs[kind] += float(query["time"])
        candidates = max((q["sql"] for q in captured.captured_queries if "UNION" in q["sql"]), key=len, default="")
        plan = []
        if candidates:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + candidates)
                plan = [row[0] for row in cursor.fetchall()]
        profiler = cProfile.Profile()
        profiler.enable()
        for agent, channel in slots[100:400]:
            services.dispatch_agent(agent, channel)
        profiler.disable()
        stats = pstats.Stats(profiler).stats
        functions = sorted(((f"{path.rsplit('site-packages/', 1)[-1].rsplit('src/', 1)[-1]}:{line} {name}", calls,
                             cumulative)
                            for (path, line, name), (_cc, calls, _tt, cumulative, _callers) in stats.items()),
                           key=lambda row: -row[2])
        return {"statements": {kind: (count / 100, costs[kind] / 100 * 1e3) for kind, count in kinds.items()},
                "waiting": waiting,
                "plan": plan, "functions": functions[:25], "profiled": len(slots[100:400])}


def merge(parts: list[dict], before: dict, after: dict) -> dict:
    """The processes' figures of one run as one: claims per second over the common wall clock, latencies
    pooled, CPU per claim (the processes' own and PostgreSQL's)."""
    pooled = {key: sorted(value for part in parts for value in part[key])
              for key in ("claim", "miss", "complete", "accept", "enqueue")}
    claims = [pair for part in parts for pair in part["claims"]]
    wall = max(part["end"] for part in parts) - min(part["start"] for part in parts)
    return {"mode": parts[0]["mode"], "claims": claims, "rate": len(claims) / wall, "wall": wall,
            "call_rate": (len(pooled["claim"]) + len(pooled["miss"])) / wall,
            **{f"{key}_ms": [percentile(values, q) * 1e3 for q in (50, 95, 99)] for key, values in pooled.items()},
            "misses": len(pooled["miss"]), "enqueued": sum(part["enqueued"] for part in parts),
            "cpu_ms": sum(part["cpu"] for part in parts) / max(1, len(claims)) * 1e3,
            "postgres_ms": (after["postgres"] - before["postgres"]) / max(1, len(claims)) * 1e3,
            "busy": (after["machine"] - before["machine"]) / wall / (os.cpu_count() or 1)}


def summary(figures: dict) -> str:
    return (f"{figures['rate']:,.0f} claims/s over {figures['wall']:.1f} s, claim p50/p99 "
            f"{figures['claim_ms'][0]:.1f}/{figures['claim_ms'][2]:.1f} ms, {figures['misses']:,} empty claims, "
            f"{cpu(figures)} CPU a claim, machine {figures['busy']:.0%} busy")


def cpu(figures: dict) -> str:
    """CPU per claim: the claiming processes', and PostgreSQL's when it is the database."""
    return f"{figures['cpu_ms']:.1f} ms" + (f" / PostgreSQL {figures['postgres_ms']:.1f} ms"
                                            if figures["vendor"] == "postgresql" else "")


# --- a claiming process ------------------------------------------------------------------------------------


def worker(env: dict, agent_ids: list[int], population: Population, seed: int, barrier, inbox, outbox) -> None:
    """One server process: its agents claim through the services, on its own connection, run after run; the
    contacts that arrive in its cycles are drawn from the population's generator, seeded for this process."""
    setup_django(env)
    from django.db import connection

    from guanxi.contact_center import services

    services.current_policy()  # connected before any clock starts
    population.rng = random.Random(seed)
    while True:
        command, seconds = inbox.get()
        if command == "stop":
            connection.close()
            return
        run = Burst(agent_ids) if command == "burst" else Cycle(agent_ids, population)
        barrier.wait(BARRIER_SECONDS)
        outbox.put(run.go(seconds))


class Run:
    """What a claiming process reports of one run: each call's time, the claims it saw, its CPU."""

    mode = ""

    def __init__(self):
        self.times = {key: [] for key in ("claim", "miss", "complete", "accept", "enqueue")}
        self.claims: list[tuple[int, int]] = []
        self.errors: list[str] = []
        self.enqueued = 0

    def go(self, seconds: float) -> dict:
        cpu, start = time.process_time(), time.perf_counter()
        try:
            self.loop(start + seconds)
        except Exception:  # noqa: BLE001 - reported to the session, which stops the bench
            self.errors.append(traceback.format_exc())
        return {"mode": self.mode, **self.times, "claims": self.claims, "errors": self.errors, "start": start,
                "end": time.perf_counter(), "cpu": time.process_time() - cpu, "enqueued": self.enqueued}

    def claim(self, agent, channel: str) -> list:
        """`dispatch_agent`, timed: the contacts offered (one for each free slot of the channel), maybe none."""
        from guanxi.contact_center import services

        began = time.perf_counter()
        offers = services.dispatch_agent(agent, channel)
        self.times["claim" if offers else "miss"].append(time.perf_counter() - began)
        self.claims += [(contact.pk, agent.pk) for contact, _agent in offers]
        return [contact for contact, _agent in offers]

    def timed(self, key: str, call, *args, **kwargs):
        began = time.perf_counter()
        result = call(*args, **kwargs)
        self.times[key].append(time.perf_counter() - began)
        return result

    def loop(self, deadline: float) -> None:
        raise NotImplementedError


class Burst(Run):
    """Agents take turns coming on duty on each of their channels: a claim fills the channel's free slots, as
    far as there is something the agent may take."""

    mode = "burst"

    def __init__(self, agent_ids: list[int]):
        from guanxi.contact_center.models import Agent

        super().__init__()
        agents = list(Agent.objects.filter(pk__in=agent_ids).order_by("pk"))
        self.turns = collections.deque((agent, channel) for agent in agents for channel in agent.capacity)

    def loop(self, deadline: float) -> None:
        while self.turns and time.perf_counter() < deadline:
            self.claim(*self.turns.popleft())


class Cycle(Run):
    """The oldest contact in hand is closed, its agent claims again on that channel and answers, a new contact
    arrives: the queue stays as long as the claims succeed."""

    mode = "cycle"

    def __init__(self, agent_ids: list[int], population: Population):
        from guanxi.contact_center.models import Agent, QueuedContact

        super().__init__()
        agents = {agent.pk: agent for agent in Agent.objects.filter(pk__in=agent_ids)}
        self.in_hand = collections.deque(
            (pk, agents[agent], channel) for pk, agent, channel in QueuedContact.objects.filter(
                offered_to__in=agent_ids, state=QueuedContact.State.ASSIGNED)
            .order_by("offered_at", "pk").values_list("pk", "offered_to", "channel"))
        self.population = population

    def loop(self, deadline: float) -> None:
        from guanxi.contact_center import services

        while self.in_hand and time.perf_counter() < deadline:
            contact_id, agent, channel = self.in_hand.popleft()
            self.timed("complete", services.complete_contact, agent, contact_id)
            for offered in self.claim(agent, channel):
                self.timed("accept", services.accept_offer, agent, offered.pk)
                self.in_hand.append((offered.pk, agent, channel))
            row = self.population.contact()
            self.timed("enqueue", services.enqueue_contact, row["channel"], row["requirement"], tier=row["tier"],
                       value=row["value"])
            self.enqueued += 1


# --- the report ------------------------------------------------------------------------------------------


def report(results: list[tuple[str, dict]], engine: dict, args) -> None:
    def median(runs, key, index=None):
        return statistics.median(run[key] if index is None else run[key][index] for run in runs)

    def percentiles(runs, key="claim_ms"):
        return " / ".join(f"{median(runs, key, i):.1f}" for i in range(3))

    def spread(runs):
        return f"{min(run['rate'] for run in runs):,.0f}-{max(run['rate'] for run in runs):,.0f}"

    def cpu_cell(runs):
        return cpu({"cpu_ms": median(runs, "cpu_ms"), "postgres_ms": median(runs, "postgres_ms"),
                    "vendor": runs[0]["vendor"]})

    print(f"\n## Claims: {args.agents:,} agents, {args.waiting:,} waiting (medians of {args.runs} runs; the engine: "
          "CPU time of its calls in one process)\n")
    print("| database | figure | Guanxi | in-memory engine | goal | goal met by (≥ 1 meets it) |")
    print("|---|---|---:|---:|---:|---:|")
    for label, result in results:
        for mode, title in MEASUREMENTS:
            runs = result[mode]
            rate, p99 = median(runs, "rate"), median(runs, "claim_ms", 2)
            queue = (f"; {args.waiting:,} waiting → {statistics.median(run['states']['waiting'] for run in runs):,.0f}"
                     if mode == "burst" else "")
            engine_p99 = (f"p99 {engine['burst_p99_ms']:.3f} (a desk filled)" if mode == "burst"
                          else f"p99 {engine['cycle_p99_ms']:.3f} (a cycle)")
            first = f"| {label} |" if mode == "burst" else "| |"
            print(f"{first} {title}: claims per second ({spread(runs)}{queue}) "
                  f"| {rate:,.0f} | {engine[f'{mode}_rate']:,.0f} | {GOAL_PER_SECOND:,.0f} "
                  f"| {rate / GOAL_PER_SECOND:.2f} |")
            print(f"| | {title}: claim p50 / p95 / p99 ms | {percentiles(runs)} | {engine_p99} "
                  f"| p99 {GOAL_P99_MS:g} | {GOAL_P99_MS / p99:.2f} |")
            if mode == "burst":
                print(f"| | {title}: calls per second (an agent's channel filled: `dispatch_agent`) "
                      f"| {median(runs, 'call_rate'):,.0f} | | | |")
                misses = median(runs, "misses")
                print(f"| | {title}: claims finding nothing to take (p99 ms) | {misses:,.0f}"
                      + (f" ({median(runs, 'miss_ms', 2):.1f})" if misses else "") + " | | | |")
            else:
                print(f"| | {title}: close / answer / new arrival p99 ms | {median(runs, 'complete_ms', 2):.1f} / "
                      f"{median(runs, 'accept_ms', 2):.1f} / {median(runs, 'enqueue_ms', 2):.1f} | | | |")
            print(f"| | {title}: CPU per claim (the claiming processes, the server) | {cpu_cell(runs)} | | | |")
    print(f"\nThe engine filled {engine['burst_claims']:,.0f} slots from the same queue and left "
          f"{engine['waiting']:,.0f} waiting in its cycle. The machine's CPU busy during the runs (this bench and "
          "any other work): "
          + "; ".join(f"{label} {statistics.median(r['busy'] for r in result['burst'] + result['cycle']):.0%}"
                      for label, result in results) + ".")
    for label, result in results:
        roster = result["roster"]
        print(f"\n{label}: the roster check of each arrival (could anyone ever serve it) with {args.agents:,} agents "
              f"of {roster['profiles']:,} distinct profiles: {roster['ours']:.1f} ms, {roster['before']:.1f} ms when "
              f"every agent was made into the engine's agent ({roster['before'] / roster['ours']:.1f}x; medians "
              "of 15 each, in turns).")
    for label, result in results:
        failures = result["failures"]
        print(f"\n{label}: {result['offers_checked']:,} offers in the event log at the end; "
              + ("no contact offered to two agents, none lost, no agent above capacity, every closed contact "
                 "closed by the agent it was offered to." if not failures else "FAILED:\n  " + "\n  ".join(failures)))
        if "profile" in result:
            print_profile(result["profile"])


def print_profile(profile: dict) -> None:
    print(f"\nStatements a claim sends (one process, 100 claims by agents with empty desks, {profile['waiting']:,} "
          "waiting), by kind and table:\n")
    print("| statement | per claim | ms per claim (execute, wall) |\n|---|---:|---:|")
    for kind, (count, ms) in sorted(profile["statements"].items(), key=lambda item: -item[1][1]):
        print(f"| {kind} | {count:.2f} | {ms:.2f} |")
    print(f"\nFunctions by cumulative time over {profile['profiled']} claims (cProfile; its overhead is in the "
          "figures, the shares are what count):\n")
    print("| function | calls | ms per claim |\n|---|---:|---:|")
    for name, calls, cumulative in profile["functions"]:
        print(f"| {name} | {calls:,} | {cumulative / profile['profiled'] * 1e3:.2f} |")
    if profile["plan"]:
        print("\nThe candidates' query, EXPLAIN (ANALYZE, BUFFERS) (filters cut at 160 characters):\n\n    "
              + "\n    ".join(line if len(line) <= 160 else line[:160] + " …" for line in profile["plan"]))


if __name__ == "__main__":
    sys.exit(main())
