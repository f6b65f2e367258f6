"""Phone lookup: Guanxi's HTTP API beside the same lookup as raw SQL through psycopg, in one run.

    python bench/lookup.py                        # 3,000,000 customers (the load is long, see below)
    python bench/lookup.py --customers 100000     # a quick end-to-end check

What it does (issue 2, item 11):

1. A dedicated PostgreSQL database (gx_bench_lookup, `--database-url` to change it) and a
   throw-away GUANXI_DATA_DIR. Creates and migrates the database and loads the demo data set with
   `guanxi loaddemo` until it holds `--customers` customers; a database that holds enough already
   is reused as it is (`--no-reuse` drops it and starts again).
2. A call-center agent (sees every customer) with an API token; `--sample` real phone numbers
   drawn from the whole contact-point table, written the ways callers' numbers arrive
   ("+8613800138000", "138 0013 8000", "13800138000", "138-0013-8000").
3. The server exactly as an operator starts it (`guanxi serve --port P --workers W`, W by default
   as guanxi serve chooses), warmed up, then GET /api/lookup?q=<phone> from 16 concurrent
   connections for `--duration` seconds with wrk (a Lua script rotates through the numbers and
   sends the token); a sample of answers is checked to hold the customer whose number was asked.
4. The same lookup (contact point by (kind, normalized) joined to its customer) as raw SQL through
   psycopg from 16 processes for the same duration. These runs come first, before the server is
   started, so that connections a server leaks cannot starve them (max_connections).
5. `--runs` rounds of each; medians are reported, with the goal of the issue:
   over HTTP, p99 <= 25 ms and >= 1,000 lookups/s. Then a full COUNT(*) over the customers beside
   a keyset page (WHERE id < x ORDER BY id DESC LIMIT 50), median of 5 each.

Both sides share the machine with their load generator (wrk is C and light; the psycopg clients
are Python) and with whatever else runs: the busy share of the CPU measured just before the first
round is printed with the results. `--server-command` measures another way of serving
(e.g. gunicorn, installed by hand) with the same harness.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from queue import Empty

import psycopg

from guanxi.server import default_workers

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/gx_bench_lookup"
AGENT_USERNAME = "bench-lookup-agent"
TOKEN_NAME = "bench/lookup.py"
GOAL_P99_MS = 25.0
GOAL_RPS = 1_000.0

# The lookup the API makes, without Django: the contact point by its indexed (kind, normalized)
# key, joined to the customer, the columns of LookupOut, at most 20 rows.
RAW_LOOKUP_SQL = """
    SELECT c.id, c.name, c.tier, c.lifecycle_stage, c.home_dealer_id
      FROM customers_customer c
      JOIN customers_contactpoint cp ON cp.customer_id = c.id
     WHERE cp.kind = 'phone' AND cp.normalized = %s
     ORDER BY c.id
     LIMIT 20
"""

# wrk: rotate through the numbers (one file line per request path), send the token, and print
# the figures as one JSON line at the end so this script does not parse wrk's text report.
WRK_LUA = r"""
local paths = {}
for line in io.lines(os.getenv("GX_BENCH_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("GX_BENCH_TOKEN")
local counter = 0
local thread_no = 0

function setup(thread)
  thread:set("thread_no", thread_no)
  thread_no = thread_no + 1
end

function init(args)
  counter = (thread_no * 7919) % #paths
end

function request()
  counter = counter + 1
  if counter > #paths then counter = 1 end
  return wrk.format("GET", paths[counter], {["Authorization"] = "Bearer " .. token})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'GXBENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"status_errors": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


# --- the database ----------------------------------------------------------------------------


def admin_url(database_url: str) -> tuple[str, str]:
    """The same server's `postgres` database (to create or drop ours) and our database's name."""
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("--database-url must name a database")
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), name


def prepare_database(args, env: dict) -> dict:
    """Create, migrate and fill the bench database; returns facts about the load."""
    maintenance, name = admin_url(args.database_url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not args.reuse:
            log(f"--no-reuse: dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    log("guanxi migrate")
    run_guanxi(["migrate"], env, timeout=600, quiet=True)
    have = count_customers(args.database_url)
    facts = {"customers_before": have, "loaded": 0, "load_seconds": 0.0}
    if have >= args.customers:
        log(f"database holds {have:,} customers (>= {args.customers:,}): reusing it, nothing loaded")
        return facts
    missing = args.customers - have
    log(
        f"database holds {have:,} customers; loading {missing:,} more with `guanxi loaddemo` "
        f"(at most {args.load_timeout:,.0f} s)"
    )
    started = time.perf_counter()
    run_guanxi(["loaddemo", "--customers", str(args.customers), "--seed", str(args.seed)], env,
               timeout=args.load_timeout)
    seconds = time.perf_counter() - started
    facts.update(loaded=missing, load_seconds=seconds)
    log(f"loaded {missing:,} customers in {seconds:,.0f} s ({missing / seconds:,.0f} customers/s)")
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        log("VACUUM ANALYZE (fresh statistics and visibility map after the bulk load)")
        conn.execute("VACUUM ANALYZE")
    return facts


def database_connections(database_url: str) -> int:
    """Connections to the bench database other than the one asking; -1 when the server is full."""
    try:
        with psycopg.connect(database_url) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
    except psycopg.OperationalError:
        return -1  # "too many clients already": max_connections is used up


def count_customers(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM customers_customer").fetchone()[0]


def guanxi_command() -> list[str]:
    """The `guanxi` console script of the interpreter running this file (a virtualenv's)."""
    beside = Path(sys.executable).with_name("guanxi")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("guanxi")
    if found:
        return [found]
    return [sys.executable, "-m", "guanxi.cli"]


def run_guanxi(arguments: list[str], env: dict, timeout: float, quiet: bool = False) -> None:
    command = guanxi_command() + arguments
    output = subprocess.DEVNULL if quiet else None
    try:
        subprocess.run(command, env=env, check=True, timeout=timeout, stdout=output)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"`{' '.join(command)}` did not finish within {timeout:,.0f} s") from None


# --- the agent, the token and the numbers -----------------------------------------------------


def agent_token(env: dict) -> str:
    """A call-center agent (sees every customer) and a fresh API token for it, made by Django."""
    code = textwrap.dedent(f"""
        import django, os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
        django.setup()
        from guanxi.core.models import ApiToken, OrgUnit, OrgUnitKind, User
        from guanxi.core.roles import Role
        unit = OrgUnit.objects.filter(kind=OrgUnitKind.CALL_CENTER).order_by("pk").first()
        assert unit is not None, "no call-center org unit: the demo org tree is missing"
        user = User.objects.filter(username={AGENT_USERNAME!r}).first()
        if user is None:
            user = User.objects.create_user({AGENT_USERNAME!r}, role=Role.AGENT, org_unit=unit)
        ApiToken.objects.filter(user=user, name={TOKEN_NAME!r}).delete()
        print(ApiToken.issue(user, {TOKEN_NAME!r})[1])
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, timeout=120, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


PHONE_FORMATS = (
    lambda n: f"+86{n}",  # +8613800138000
    lambda n: f"{n[:3]} {n[3:7]} {n[7:]}",  # 138 0013 8000
    lambda n: n,  # 13800138000
    lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",  # 138-0013-8000
)


def sample_phones(database_url: str, size: int, seed: int) -> list[tuple[str, str, int]]:
    """(as the caller types it, E.164, customer id) for `size` numbers spread over the table."""
    with psycopg.connect(database_url) as conn:
        low, high, total = conn.execute(
            "SELECT min(id), max(id), count(*) FROM customers_contactpoint WHERE kind = 'phone'"
        ).fetchone()
        if not total:
            raise SystemExit("no phone contact points in the database")
        percent = min(100.0, 100.0 * 3 * size / max(1, high - low + 1))
        rows = conn.execute(
            f"SELECT normalized, customer_id FROM customers_contactpoint TABLESAMPLE BERNOULLI ({percent:.6f}) "
            f"REPEATABLE ({seed}) WHERE kind = 'phone'"
        ).fetchall()
    random.Random(seed).shuffle(rows)
    rows = rows[:size]
    phones = []
    for index, (e164, customer_id) in enumerate(rows):
        national = e164.removeprefix("+86")
        written = PHONE_FORMATS[index % len(PHONE_FORMATS)](national) if e164.startswith("+86") else e164
        phones.append((written, e164, customer_id))
    return phones


def lookup_path(written: str) -> str:
    return "/api/lookup?q=" + urllib.parse.quote(written, safe="")


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The server as a subprocess in its own process group, so stopping it stops its workers too."""

    def __init__(self, args, env: dict, port: int):
        if args.server_command:
            self.command = shlex.split(args.server_command.format(port=port, workers=args.workers))
        else:
            self.command = guanxi_command() + [
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ]
        extra = dict(item.split("=", 1) for item in args.server_env)
        self.env, self.port, self.process = {**env, **extra}, port, None
        self.log_path = Path(env["GUANXI_DATA_DIR"], "server.log")

    def start(self, timeout: float = 90) -> None:
        log(f"starting the server: {' '.join(self.command)}")
        with open(self.log_path, "w") as log_file:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/lookup?q=1", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # 401 without a token: it answers
            except OSError:
                time.sleep(0.25)
        raise SystemExit(f"the server did not answer within {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        log("stopping the server")
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def verify_answers(port: int, token: str, phones, count: int) -> tuple[int, int, list[str]]:
    """Ask `count` of the numbers one by one; each answer must hold the number's customer."""
    ok, bad, problems = 0, 0, []
    deadline = time.monotonic() + 60
    for written, e164, customer_id in phones[:count]:
        if time.monotonic() > deadline:
            break
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{lookup_path(written)}", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                ids = [row["id"] for row in json.load(response)]
        except (OSError, ValueError) as exc:
            bad += 1
            problems.append(f"{written!r}: {exc}")
            continue
        if customer_id in ids:
            ok += 1
        else:
            bad += 1
            problems.append(f"{written!r} ({e164}): customer {customer_id} not in {ids}")
    return ok, bad, problems[:5]


# --- the HTTP load: wrk, or Python processes when wrk is missing ------------------------------


def run_wrk(
    port: int, token: str, paths_file: str, lua_file: str, connections: int, threads: int, seconds: float
) -> dict:
    env = {**os.environ, "GX_BENCH_PATHS": paths_file, "GX_BENCH_TOKEN": token}
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        lua_file,
        f"http://127.0.0.1:{port}",
    ]
    result = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((out for out in result.stdout.splitlines() if out.startswith("GXBENCH ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no figures:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line[len("GXBENCH ") :])
    socket_errors = figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
    return {
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "errors": figures["status_errors"] + socket_errors,
        "requests": figures["requests"],
    }


def _python_http_client(port, token, paths, start, seconds, queue):
    import http.client

    latencies, errors = [], 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"}
    index = random.randrange(len(paths))
    start.wait()
    end = time.perf_counter() + seconds
    while (now := time.perf_counter()) < end:
        index = (index + 1) % len(paths)
        try:
            connection.request("GET", paths[index], headers=headers)
            response = connection.getresponse()
            response.read()
            if not 200 <= response.status < 300:
                errors += 1
        except OSError:
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.append((time.time(), time.perf_counter() - now))
    queue.put((latencies, errors))


def run_python_http(port: int, token: str, paths: list[str], connections: int, seconds: float) -> dict:
    return _in_processes(_python_http_client, (port, token, paths), connections, seconds)


# --- the raw SQL load -------------------------------------------------------------------------


def _sql_client(database_url, numbers, start, seconds, queue):
    latencies, errors = [], 0
    with psycopg.connect(database_url, autocommit=True, prepare_threshold=0) as conn:
        index = random.randrange(len(numbers))
        conn.execute(RAW_LOOKUP_SQL, (numbers[index],)).fetchall()
        start.wait()
        end = time.perf_counter() + seconds
        while (now := time.perf_counter()) < end:
            index = (index + 1) % len(numbers)
            rows = conn.execute(RAW_LOOKUP_SQL, (numbers[index],)).fetchall()
            if not rows:
                errors += 1
            latencies.append((time.time(), time.perf_counter() - now))
    queue.put((latencies, errors))


def run_raw_sql(database_url: str, numbers: list[str], processes: int, seconds: float) -> dict:
    return _in_processes(_sql_client, (database_url, numbers), processes, seconds)


def _in_processes(target, arguments: tuple, processes: int, seconds: float) -> dict:
    """`processes` clients started together, each for `seconds`; latencies merged."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    # every process starts, connects and waits here: spawning 16 interpreters on two cores once
    # took longer than a fixed head start, and the late ones ran in a window of their own
    start = context.Barrier(processes)
    workers = [
        context.Process(target=target, args=(*arguments, start, seconds, queue), daemon=True)
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = []
    deadline = time.monotonic() + seconds + 60
    try:
        while len(results) < processes and time.monotonic() < deadline:
            try:
                results.append(queue.get(timeout=max(0.1, deadline - time.monotonic())))
            except Empty:  # the deadline passed
                break
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    if len(results) < processes:
        raise SystemExit(f"only {len(results)} of {processes} client processes reported")
    return _over_the_common_window([values for values, _ in results], sum(e for _, e in results), seconds)


def _over_the_common_window(per_process: list[list[tuple[float, float]]], errors: int, seconds: float) -> dict:
    """Figures over the time every client process was really running.

    On a busy machine a process may start seconds late (11.8 s seen); counting each process's
    lookups over the nominal duration would then credit the late ones' work to a window they
    did not share. Only lookups finished while all processes ran count, over that window's length.
    """
    starts = [values[0][0] - values[0][1] for values in per_process if values]
    ends = [values[-1][0] for values in per_process if values]
    if len(starts) < len(per_process):
        raise SystemExit("a client process made no request")
    window_start, window_end = max(starts), min(ends)
    window = window_end - window_start
    if window < 0.5 * seconds:
        raise SystemExit(f"the client processes ran together for only {window:.1f} of {seconds:g} s: machine too busy")
    latencies = sorted(latency for values in per_process for done, latency in values
                       if window_start <= done <= window_end)
    return {
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "rps": len(latencies) / window,
        "errors": errors,
        "requests": len(latencies),
        "window_s": window,
    }


# --- COUNT(*) against a keyset page -----------------------------------------------------------


def count_vs_keyset(database_url: str, repeats: int = 5) -> dict:
    with psycopg.connect(database_url, autocommit=True) as conn:
        top = conn.execute("SELECT max(id) FROM customers_customer").fetchone()[0] or 0
        counts, pages = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            conn.execute("SELECT count(*) FROM customers_customer").fetchone()
            counts.append((time.perf_counter() - started) * 1000)
        rng = random.Random(7)
        for _ in range(repeats):
            below = rng.randint(max(1, top // 10), top + 1)
            started = time.perf_counter()
            conn.execute(
                "SELECT id, name, tier, lifecycle_stage FROM customers_customer WHERE id < %s "
                "ORDER BY id DESC LIMIT 50",
                (below,),
            ).fetchall()
            pages.append((time.perf_counter() - started) * 1000)
    return {"count_ms": median(counts), "keyset_ms": median(pages)}


# --- the machine ------------------------------------------------------------------------------


def _cpu_times() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]), idle


def busy_share(seconds: float = 2.0) -> float:
    """Share of all cores busy over `seconds` (before our own load starts: everybody else's)."""
    total0, idle0 = _cpu_times()
    time.sleep(seconds)
    total1, idle1 = _cpu_times()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


# --- the report -------------------------------------------------------------------------------


def fmt(value: float, digits: int = 2) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.{digits}f}"


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print(" | ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            print("-|-".join("-" * w for w in widths))


def report(args, facts, http_runs, sql_runs, counting, client_note) -> bool:
    http = {k: median([r[k] for r in http_runs]) for k in ("p50_ms", "p99_ms", "rps", "errors")}
    sql = {k: median([r[k] for r in sql_runs]) for k in ("p50_ms", "p99_ms", "rps", "errors")}
    http_errors = sum(r["errors"] for r in http_runs)
    sql_errors = sum(r["errors"] for r in sql_runs)
    met_p99, met_rps = http["p99_ms"] <= GOAL_P99_MS, http["rps"] >= GOAL_RPS
    met_errors = http_errors == 0 and facts["verify_bad"] == 0
    print()
    print(
        f"Phone lookup, {facts['customers']:,} customers, {args.concurrency} concurrent clients, "
        f"{args.duration:g} s x {args.runs} runs (medians); server: {facts['server']}"
    )
    print(f"HTTP load: {client_note}; raw SQL: {args.concurrency} psycopg processes (prepared statement)")
    print(
        f"CPU: {os.cpu_count()} cores; busy share before the benchmark (others' load): "
        f"{facts['busy_before']:.0%}{'  <- NOT a quiet machine' if facts['busy_before'] > 0.15 else ''}"
    )
    print()
    print_table(
        [
            ["metric", "Guanxi HTTP API", "raw psycopg SQL", "ratio HTTP/SQL", "goal (HTTP)", "met"],
            [
                "p50 latency (ms)",
                fmt(http["p50_ms"]),
                fmt(sql["p50_ms"]),
                f"{http['p50_ms'] / sql['p50_ms']:,.1f}x",
                "",
                "",
            ],
            [
                "p99 latency (ms)",
                fmt(http["p99_ms"]),
                fmt(sql["p99_ms"]),
                f"{http['p99_ms'] / sql['p99_ms']:,.1f}x",
                f"<= {GOAL_P99_MS:g}",
                "yes" if met_p99 else "NO",
            ],
            [
                "lookups/s",
                fmt(http["rps"]),
                fmt(sql["rps"]),
                f"{http['rps'] / sql['rps']:.3f}",
                f">= {GOAL_RPS:,.0f}",
                "yes" if met_rps else "NO",
            ],
            ["CPU per lookup: server (ms)", fmt(median([r["cpu_ms"] for r in http_runs])), "", "", "", ""],
            [
                "CPU per lookup: PostgreSQL (ms)",
                fmt(median([r["pg_cpu_ms"] for r in http_runs])),
                "",
                "",
                f"sum < {(os.cpu_count() or 2) * 1000 / GOAL_RPS:.1f}",
                "",
            ],
            ["errors (all runs)", f"{http_errors}", f"{sql_errors}", "", "0", "yes" if http_errors == 0 else "NO"],
            [
                "answers checked",
                f"{facts['verify_ok']}/{facts['verify_ok'] + facts['verify_bad']} hold the customer",
                "",
                "",
                "all",
                "yes" if facts["verify_bad"] == 0 else "NO",
            ],
        ]
    )
    held = facts["server_connections"]
    print(
        "PostgreSQL connections held by the idle server after the runs: "
        + (
            "all of max_connections (no connection left for this script)  <- connections are leaking"
            if held < 0
            else f"{held}"
            + ("  <- far more than the workers need: connections are leaking" if held > 10 * args.workers else "")
        )
    )
    print()
    print("per run (HTTP p50/p99 ms, lookups/s | SQL p50/p99 ms, lookups/s):")
    for n, (h, s) in enumerate(zip(http_runs, sql_runs), 1):
        print(
            f"  run {n}: {h['p50_ms']:.2f}/{h['p99_ms']:.2f} ms, {h['rps']:,.0f}/s | "
            f"{s['p50_ms']:.2f}/{s['p99_ms']:.2f} ms, {s['rps']:,.0f}/s"
            + f"  (CPU per lookup: server {h['cpu_ms']:.2f} ms, PostgreSQL {h['pg_cpu_ms']:.2f} ms)"
        )
    print()
    print("where the machine's CPU went during the HTTP runs (medians, share of all cores):")
    for key, label in (
        ("server", "the server's processes"),
        ("postgres", "PostgreSQL, all databases"),
        ("wrk", "the load generator (wrk)"),
        ("others", "everything else (other users, this script)"),
        ("machine", "machine total busy"),
    ):
        print(f"  {label:<44} {median([h['split'][key] for h in http_runs if 'split' in h]):>5.0%}")
    print()
    print_table(
        [
            ["listing the customers (median of 5)", "ms"],
            ["full COUNT(*) over customers", fmt(counting["count_ms"])],
            ["keyset page (WHERE id < x ORDER BY id DESC LIMIT 50)", fmt(counting["keyset_ms"], 3)],
            ["ratio COUNT / keyset page", f"{counting['count_ms'] / counting['keyset_ms']:,.0f}x"],
        ]
    )
    if facts["loaded"]:
        print()
        print(
            f"load: {facts['loaded']:,} customers in {facts['load_seconds']:,.0f} s "
            f"({facts['loaded'] / facts['load_seconds']:,.0f} customers/s) with `guanxi loaddemo`"
        )
    return met_p99 and met_rps and met_errors


def _cpu_by_category(server_pgid: int) -> dict[str, float]:
    """Cumulative CPU seconds of the server, PostgreSQL (its backends and, through the postmaster's
    children counters, those that already exited), wrk, and the whole machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = {"server": 0, "postgres": 0, "wrk": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = Path(entry, "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        comm, fields = head.split("(", 1)[1], tail.split()
        own = int(fields[11]) + int(fields[12])
        if _pgid(int(entry.name)) == server_pgid:
            totals["server"] += own
        elif comm == "postgres":
            totals["postgres"] += own + int(fields[13]) + int(fields[14])  # + reaped backends
    busy_total, idle = _cpu_times()
    result = {key: value / ticks for key, value in totals.items()}
    # wrk (or the Python clients) are this script's children: their CPU is counted here once reaped.
    result["wrk"] = os.times().children_user + os.times().children_system
    result["machine"] = (busy_total - idle) / os.sysconf("SC_CLK_TCK")
    return result


def _pgid(pid: int) -> int:
    try:
        return os.getpgid(pid)
    except OSError:
        return -1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--customers", type=int, default=3_000_000)
    parser.add_argument(
        "--reuse",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep a database that already holds enough customers (default: on)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--load-timeout", type=float, default=4 * 3600, help="seconds the load may take")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of HTTP load before measuring")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent HTTP connections and SQL processes")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="guanxi serve --workers (default: guanxi's own default, one per core, at least 2)",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--sample", type=int, default=10_000, help="phone numbers to rotate through")
    parser.add_argument("--verify", type=int, default=200, help="answers checked to hold the customer")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--server-command",
        default="",
        help="serve with this instead of `guanxi serve` ({port} and {workers} are filled in)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server only, e.g. DJANGO_SETTINGS_MODULE=... (repeatable)",
    )
    parser.add_argument("--prepare-only", action="store_true", help="create, migrate and load the database, then stop")
    parser.add_argument("--skip-sql", action="store_true", help="HTTP side only (e.g. comparing servers)")
    args = parser.parse_args(argv)
    if min(args.runs, args.concurrency, args.workers, args.sample) < 1 or args.duration <= 0:
        parser.error("--runs, --concurrency, --workers, --sample and --duration must be positive")

    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    if client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk), use --client python")

    def stop_on_signal(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")  # so that `finally` stops the server

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGHUP, stop_on_signal)
    data_dir = tempfile.mkdtemp(prefix="gx-bench-lookup-")
    env = {
        **os.environ,
        "GUANXI_DATABASE_URL": args.database_url,
        "GUANXI_DATA_DIR": data_dir,
        # Fixed, so a reused database's hashed national IDs stay findable from run to run.
        "GUANXI_SECRET_KEY": os.environ.get("GUANXI_SECRET_KEY", "bench-lookup-not-a-secret"),
        "GUANXI_DEBUG": "0",
    }
    env.pop("GUANXI_TEST_DATABASE_URL", None)
    server = None
    try:
        facts = prepare_database(args, env)
        facts["customers"] = count_customers(args.database_url)
        if args.prepare_only:
            log(f"--prepare-only: the database holds {facts['customers']:,} customers")
            return 0
        log("creating the call-center agent and its API token")
        token = agent_token(env)
        phones = sample_phones(args.database_url, args.sample, args.seed)
        log(f"sampled {len(phones):,} phone numbers, e.g. {', '.join(repr(p[0]) for p in phones[:4])}")
        paths = [lookup_path(written) for written, _, _ in phones]
        numbers = [e164 for _, e164, _ in phones]
        paths_file = Path(data_dir, "paths.txt")
        paths_file.write_text("\n".join(paths) + "\n")
        lua_file = Path(data_dir, "lookup.lua")
        lua_file.write_text(WRK_LUA)

        facts["busy_before"] = busy_share()
        log(f"busy share of the CPU before the benchmark (everybody else): {facts['busy_before']:.0%}")
        sql_runs = []
        for n in range(1, args.runs + 1):
            if args.skip_sql:
                sql_runs.append({"p50_ms": float("nan"), "p99_ms": float("nan"), "rps": float("nan"), "errors": 0})
                continue
            result = run_raw_sql(args.database_url, numbers, args.concurrency, args.duration)
            sql_runs.append(result)
            log(
                f"run {n}/{args.runs} SQL:  p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, "
                f"{result['rps']:,.0f}/s, {result['errors']} errors"
            )

        port = args.port or free_port()
        server = Server(args, env, port)
        server.start()
        facts["server"] = " ".join(
            [
                *args.server_env,
                *(Path(server.command[0]).name if i == 0 else part for i, part in enumerate(server.command)),
            ]
        )
        ok, bad, problems = verify_answers(port, token, phones, args.verify)
        facts["verify_ok"], facts["verify_bad"] = ok, bad
        log(f"checked {ok + bad} answers: {ok} hold the customer, {bad} do not")
        for problem in problems:
            log(f"  {problem}")

        wrk_threads = min(args.concurrency, os.cpu_count() or 2)
        if client == "wrk":
            client_note = f"wrk, {wrk_threads} threads, {args.concurrency} keep-alive connections"
        else:
            client_note = (
                f"{args.concurrency} Python processes (not wrk): the clients compete with the server "
                f"for the same {os.cpu_count()} cores, HTTP figures are pessimistic"
            )

        def http_load(seconds):
            if client == "wrk":
                return run_wrk(port, token, str(paths_file), str(lua_file), args.concurrency, wrk_threads, seconds)
            return run_python_http(port, token, paths, args.concurrency, seconds)

        log(f"warming up: {args.warmup:g} s of HTTP load")
        warm = http_load(args.warmup)
        log(f"  warm-up: {warm['rps']:,.0f}/s, p99 {warm['p99_ms']:.1f} ms, {warm['errors']} errors")

        http_runs = []
        for n in range(1, args.runs + 1):
            split_before, wall_before = _cpu_by_category(server.process.pid), time.monotonic()
            result = http_load(args.duration)
            wall = time.monotonic() - wall_before
            split_after = _cpu_by_category(server.process.pid)
            split = {key: (split_after[key] - split_before[key]) / wall / (os.cpu_count() or 1) for key in split_after}
            split["others"] = max(0.0, split["machine"] - split["server"] - split["postgres"] - split["wrk"])
            result["split"] = split
            result["server_cpu"] = split["server"]
            result["cpu_ms"] = split["server"] * wall * (os.cpu_count() or 1) * 1000 / max(1, result["requests"])
            result["pg_cpu_ms"] = split["postgres"] * wall * (os.cpu_count() or 1) * 1000 / max(1, result["requests"])
            http_runs.append(result)
            log(
                f"run {n}/{args.runs} HTTP: p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, "
                f"{result['rps']:,.0f}/s, {result['errors']} errors"
            )
        facts["server_connections"] = database_connections(args.database_url)
        log(f"PostgreSQL connections to the database while the server idles: {facts['server_connections']}")
        server.stop()
        counting = count_vs_keyset(args.database_url)
        met = report(args, facts, http_runs, sql_runs, counting, client_note)
        print()
        print("goal met" if met else "goal NOT met")
        return 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
