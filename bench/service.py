"""Service at scale on PostgreSQL (issue 10): the free-slot search of bookings and the tickets'
service-level sweep (one function per table).

    python bench/service.py [--quick]       # a few minutes on 2 cores (the first run fills 1M tickets)

Issue 10's goals: free-slot search for 50 stations × 30 days, p95 <= 50 ms; the SLA timer sweep over
1M open tickets in the worker <= 30 s (the second table: bench/service_sweep.py, which also runs
alone).

1. Set-up: a PostgreSQL database of its own (gx_service_bench, `--database-url` to change it),
   created and migrated when missing and reused by later runs (`--no-reuse` drops it first,
   `--drop` drops it at the end); a throw-away GUANXI_DATA_DIR. 50 service stations in 10 cities,
   each with 4 bays (2 general, 1 quick service, 1 body shop) and the default hours (08:30-18:00,
   public holidays off); 30 days of bookings from tomorrow, about 60 % of each bay's working time
   (jobs of 30 to 240 minutes, on the 30-minute grid); a call-center agent (reaches every station)
   and a service advisor at each station.
2. Timed: `service.bookings.search` as the pages and the API call it (its three queries and the
   plain-Python search in service.slots), for one station over 30 days as its own advisor, and for
   all 50 stations over one day as the call center (and, the worst case, all 50 over 30 days at
   once); then `GET /api/service-slots` for one station
   over 30 days through Django's test client (routing, auth, validation, JSON of the slots). The
   station, day and job are drawn at random for each call. p50 and p95 of `--calls` calls a run,
   medians over `--runs` runs after a warm-up; the plain-Python part alone beside it.

The machine may be shared: the busy share of its CPU just before the start and the load average
are printed first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

from funnel import django_on
from lookup import busy_share, log, percentile
from service_sweep import sweep_table

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/gx_service_bench"
STATIONS, BAYS, DAYS, FULL = 50, (("general", 2), ("quick", 1), ("body", 1)), 30, 0.6
LIMIT_MS = 50.0
CITIES = ("上海", "北京", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "苏州")
JOB_MINUTES = {"general": (60, 120, 120, 180), "quick": (30, 30, 60), "body": (120, 240)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--no-reuse", dest="reuse", action="store_false", help="drop the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--quick", action="store_true", help="fewer calls a run")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each search (5, at least 3)")
    parser.add_argument("--calls", type=int, help="searches a run (200; 50 with --quick)")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--tickets", type=int, default=1_000_000, help="open tickets for the sweep (1,000,000)")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs: at least 3 (medians, never a single timing)")
    calls = args.calls or (50 if args.quick else 200)

    with django_on(args.database_url, args.reuse, args.drop, "service"):
        network = Network(random.Random(args.seed))
        load, busy = ", ".join(f"{figure:.2f}" for figure in os.getloadavg()), busy_share()
        print(f"\n# Service benchmark (issue 10)\n\n{os.cpu_count()} cores, {busy:.0%} busy with other work just "
              f"before the start, load average {load} (1, 5, 15 min); PostgreSQL {network.server_version}; "
              f"{network.stations} stations, {network.bays} bays, {network.bookings:,} bookings over {DAYS} days "
              f"({network.full:.0%} of the bays' working time); {calls} calls a run, medians of {args.runs} runs "
              "after a warm-up")
        slots_table(network, calls, args.runs)
        print(sweep_table(args.tickets, max(3, args.runs - 2)))
    return 0


# --- the network ---------------------------------------------------------------------------


class Network:
    """The stations, their bays and advisors, the call-center agent, 30 days of bookings from
    tomorrow (made once: a later run whose first day has passed makes them again)."""

    def __init__(self, rng: random.Random):
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from guanxi.core.models import OrgUnit
        from guanxi.service.models import Bay, Booking

        log("migrate, stations, bays")
        call_command("migrate", verbosity=0)
        self.rng = rng
        self.first_day = timezone.localdate() + dt.timedelta(days=1)
        self.agent, self.advisors = self._people()
        self.station_ids = sorted(self.advisors)
        self.stations = len(self.station_ids)
        self.bays = Bay.objects.filter(station_id__in=self.station_ids).count()
        if not Booking.objects.filter(station_id__in=self.station_ids, starts__date__gte=self.first_day).exists():
            self._book()
        self.bookings = Booking.objects.filter(station_id__in=self.station_ids,
                                               starts__date__gte=self.first_day).count()
        self.full = self._share_taken()
        version = connection.cursor().connection.info.server_version
        self.server_version = f"{version // 10_000}.{version % 10_000}"
        assert OrgUnit.objects.filter(pk__in=self.station_ids, has_service=True).count() == STATIONS

    def _people(self):
        from django.contrib.auth.models import Group

        from guanxi.core.models import Membership, OrgUnit, User
        from guanxi.service.models import Bay

        hq, _made = OrgUnit.objects.get_or_create(code="BENCH-HQ", defaults={"name": "Bench HQ", "kind": "hq"})
        center, _made = OrgUnit.objects.get_or_create(code="BENCH-CC", defaults={
            "name": "Bench call center", "kind": "call_center", "parent": hq})
        agent = _member("bench_agent", center, Group.objects.get(name="agent"))
        advisors = {}
        for number in range(1, STATIONS + 1):
            station, made = OrgUnit.objects.get_or_create(code=f"BS{number:03d}", defaults={
                "name": f"Bench station {number}", "kind": "service_station", "parent": hq, "has_service": True,
                "city": CITIES[number % len(CITIES)]})
            if made:
                Bay.objects.bulk_create(Bay(station=station, name=f"{kind} {index + 1}", kind=kind)
                                        for kind, count in BAYS for index in range(count))
            advisors[station.pk] = _member(f"bench_advisor_{number}", station,
                                           Group.objects.get(name="service_advisor"))
        Membership.objects.get_or_create(user=agent, org_unit=center, role=Group.objects.get(name="agent"))
        return User.objects.get(pk=agent.pk), advisors

    def _book(self) -> None:
        """About FULL of each bay's working time booked, in jobs on the grid with gaps between."""
        from guanxi.customers.models import Customer, Vehicle
        from guanxi.service import bookings
        from guanxi.service.models import Bay, Booking

        log(f"booking {DAYS} days at {self.stations} stations")
        Booking.objects.filter(station_id__in=self.station_ids).delete()
        customers = Customer.objects.bulk_create(Customer(name=f"车主{index}") for index in range(500))
        cars = Vehicle.objects.bulk_create(Vehicle(vin=f"LBENCH{index:011d}", model="Bench", model_year=2024)
                                           for index in range(500))
        pairs = list(zip(customers, cars, strict=True))
        hours = bookings.hours_of(self.station_ids)
        step, rows = dt.timedelta(minutes=30), []
        from guanxi.service import slots

        for bay in Bay.objects.filter(station_id__in=self.station_ids):
            for opens, closes in slots.day_windows(hours[bay.station_id], self.first_day,
                                                   self.first_day + dt.timedelta(days=DAYS - 1)):
                moment = opens
                while moment < closes:
                    if self.rng.random() < 0.5:  # a gap; jobs are longer than gaps, so ~60 % is taken
                        moment += step * self.rng.choice((1, 1, 2))
                        continue
                    length = dt.timedelta(minutes=self.rng.choice(JOB_MINUTES[bay.kind]))
                    if moment + length > closes:
                        break
                    customer, car = self.rng.choice(pairs)
                    rows.append(Booking(station_id=bay.station_id, bay=bay, customer=customer, vehicle=car,
                                        starts=moment, ends=moment + length, job="maintenance"))
                    moment += length
        Booking.objects.bulk_create(rows, batch_size=5_000)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) service_booking, service_bay")

    def _share_taken(self) -> float:
        from guanxi.service import bookings, slots
        from guanxi.service.models import Bay, Booking

        hours = bookings.hours_of(self.station_ids)
        last = self.first_day + dt.timedelta(days=DAYS - 1)
        open_time = sum((closes - opens).total_seconds() for bay in Bay.objects.filter(station_id__in=self.station_ids)
                        for opens, closes in slots.day_windows(hours[bay.station_id], self.first_day, last))
        taken = sum((ends - starts).total_seconds() for starts, ends in Booking.objects.filter(
            station_id__in=self.station_ids, starts__date__gte=self.first_day).values_list("starts", "ends"))
        return taken / open_time


def _member(username, unit, role):
    from guanxi.core.models import Membership, User

    user, _made = User.objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, org_unit=unit, role=role)
    return User.objects.get(pk=user.pk)  # fresh: the memberships read again


# --- the free-slot search ---------------------------------------------------------------------


def slots_table(network: Network, calls: int, runs: int) -> None:
    from django.test import Client

    from guanxi.service import bookings

    def one_station():
        station_id = network.rng.choice(network.station_ids)
        job = network.rng.choice(("maintenance", "repair", "quick"))
        last = network.first_day + dt.timedelta(days=DAYS - 1)
        return network.advisors[station_id], bookings.Search([station_id], network.first_day, last, job)

    def all_stations():
        day = network.first_day + dt.timedelta(days=network.rng.randrange(DAYS))
        job = network.rng.choice(("maintenance", "repair"))
        return network.agent, bookings.Search(network.station_ids, day, day, job)

    client = Client(HTTP_HOST="localhost")
    client.force_login(network.agent)

    def over_the_api():
        station_id = network.rng.choice(network.station_ids)
        last = network.first_day + dt.timedelta(days=DAYS - 1)
        return {"station_id": station_id, "since": network.first_day.isoformat(), "until": last.isoformat(),
                "job": network.rng.choice(("maintenance", "repair", "quick"))}

    def everything():
        last = network.first_day + dt.timedelta(days=DAYS - 1)
        return network.agent, bookings.Search(network.station_ids, network.first_day, last, "maintenance")

    cases = [(f"one station, {DAYS} days, as its advisor", one_station, None),
             (f"all {network.stations} stations, one day, as the call center", all_stations, None),
             (f"all {network.stations} stations, {DAYS} days at once, as the call center", everything, None),
             (f"`GET /api/service-slots`, one station, {DAYS} days", over_the_api, client)]
    measured = {name: [] for name, *_ in cases}
    for number in range(runs + 1):  # the cases take turns, so that a busy spell falls on all
        for name, draw, http in cases:
            log(f"{name}: {'warm-up' if not number else f'run {number} of {runs}'}")
            result = timed(draw, http, calls)
            if number:
                measured[name].append(result)

    print(f"\n## 1. Free-slot search ({network.stations} stations × {DAYS} days, medians of {runs} runs)\n")
    print("| search | slots found | p50 ms | p95 ms (runs) | of it plain Python, p50 ms | limit p95 ms "
          "| limit / p95 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, results in measured.items():
        p95s = [result["p95"] for result in results]
        p95 = statistics.median(p95s)
        python = statistics.median(result["python"] for result in results)
        print(f"| {name} | {statistics.median(result['found'] for result in results):,.0f} "
              f"| {statistics.median(result['p50'] for result in results):.1f} "
              f"| {p95:.1f} ({min(p95s):.1f}-{max(p95s):.1f}) | {'—' if python is None else f'{python:.1f}'} "
              f"| {LIMIT_MS:.0f} | {LIMIT_MS / p95:.1f} |")
    print("\nlimit / p95 above 1: within the limit by that factor.")


def timed(draw, http, calls: int) -> dict:
    """p50 and p95 of `calls` searches, in ms; the plain-Python part (service.slots.free_slots) timed
    alone inside the service's calls, by wrapping it."""
    from guanxi.service import bookings, slots

    inner, original = [], slots.free_slots

    def counted(*args, **kwargs):
        began = time.perf_counter()
        found = original(*args, **kwargs)
        inner.append(time.perf_counter() - began)
        return found

    times, found = [], []
    bookings.slots.free_slots = counted
    try:
        for _ in range(calls):
            if http is None:
                user, asked = draw()
                began = time.perf_counter()
                result = bookings.search(user, asked)
                times.append(time.perf_counter() - began)
                found.append(len(result))
            else:
                params = draw()
                began = time.perf_counter()
                answer = http.get("/api/service-slots", params)
                times.append(time.perf_counter() - began)
                assert answer.status_code == 200, answer.content[:300]
                found.append(len(answer.json()))
    finally:
        bookings.slots.free_slots = original
    times.sort()
    inner.sort()
    return {"p50": percentile(times, 50) * 1e3, "p95": percentile(times, 95) * 1e3,
            "python": percentile(inner, 50) * 1e3 if inner else None, "found": statistics.median(found)}


if __name__ == "__main__":
    sys.exit(main())
