"""Screen pop over WebSocket (issue 11): from the PBX's call event to the agent's desktop, p99 <= 200 ms with
200 agents connected.

    python bench/screen_pop.py                  # SQLite, then PostgreSQL; about 8 minutes on 2 cores
    python bench/screen_pop.py --sqlite-only    # the embedded default alone

For each database (SQLite, the embedded default; PostgreSQL at `--database-url`, a database of its own
created for the run and dropped at the end):

1. Set-up, in a throw-away GUANXI_DATA_DIR: `guanxi demo --customers 2000 --no-serve` (customers with phone
   numbers, the org tree, the demo logins); then, in a process of its own, `--agents` users on the call
   center's roster (an agent membership and an `Agent` row: available, capacity {"voice": 1}, extensions
   70000 up), each signed in as the desktop is (Django's test client `force_login`: a database session, the
   `sessionid` cookie). The demo's own agent is set offline: it has no desktop open here.
2. `guanxi serve --port P` as it is run in production (HTTP workers on P, the WebSocket process on P+1), in a
   process group of its own, stopped at the end (SIGTERM to the group, SIGKILL after 15 s) whatever happens.
3. One WebSocket per agent on ws://127.0.0.1:P+1/ws/desktop/ with the agent's session cookie and the page's
   Origin, all in this process's asyncio loop (as 200 browsers would hold them, but on the same machine).
4. Calls, open loop at `--rate` a second: a signed `offered` event (a customer's phone number, one customer a
   number) is posted to /api/contact-center/cti/events; the answer names the extension and the contact; the
   call is timed from just before the POST to the moment the socket of the agent at that extension receives
   the `offered` message for that contact (the screen pop). After `--hold` seconds an `ended` event frees the
   agent (the call is abandoned: it was never answered). `--calls` a run, `--runs` runs after a warm-up of
   20 calls; percentiles per run, medians over the runs.

Beside the screen pop: the HTTP answer alone; what the push adds after the answer; and from the event's
`at` (the server's clock when it took the event) to the desktop, the part the poller's interval (50 ms,
contact_center/push.py) is in. A message reaching a socket other than the agent's own, or none within 5 s,
is counted and printed. The load generator shares the machine with the server: its CPU is in the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from funnel import create_database, drop_database
from lookup import _cpu_by_category, busy_share, fmt, log, percentile, print_table

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gx_bench_pop"
LIMIT_MS = 200.0
POLL_MS = 50.0  # contact_center.push.POLL_SECONDS
FIRST_EXTENSION = 70000
WARMUP_CALLS = 20
PUSH_TIMEOUT = 5.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--agents", type=int, default=200, help="agents with a desktop socket open (200)")
    parser.add_argument("--customers", type=int, default=2000, help="demo customers, the callers (2000)")
    parser.add_argument("--calls", type=int, default=500, help="calls a run (500)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (3, at least 3)")
    parser.add_argument("--rate", type=float, default=10.0, help="calls offered a second (10)")
    parser.add_argument("--hold", type=float, default=1.0, help="seconds from the screen pop to `ended` (1)")
    parser.add_argument("--workers", type=int, help="guanxi serve --workers (default: guanxi's own)")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)  # the set-up process: that many agents
    args = parser.parse_args(argv)
    if args.prepare:
        return prepare(args.prepare)
    if args.runs < 3:
        parser.error("--runs: at least 3 (medians, never a single timing)")
    if min(args.agents, args.calls, args.customers) < 1 or args.rate <= 0 or args.hold < 0:
        parser.error("--agents, --calls, --customers and --rate must be positive")
    import websockets  # noqa: F401 - fail early: pip install -e ".[bench]"

    busy = busy_share()
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"# Screen pop over WebSocket\n\n{os.cpu_count()} cores, busy {busy:.0%} before the start (load average "
          f"{load}); {args.agents} agents connected, {args.calls} calls a run at {args.rate:g}/s, {args.runs} runs "
          f"after {WARMUP_CALLS} warm-up calls; medians over the runs; code: {code_version()}\n", flush=True)
    targets = [("SQLite", None)] + ([] if args.sqlite_only else [("PostgreSQL", args.database_url)])
    results = []
    for label, url in targets:
        log(f"{label}: preparing")
        results.append((label, run_database(label, url, args)))
    report(results, args)
    return 0 if all(r["missing"] == 0 and r["misrouted"] == 0 and not r["errors"] for _, r in results) else 1


def code_version() -> str:
    """The commit, and the newest change to the source since (the server runs whatever the tree holds)."""
    src = Path(__file__).resolve().parent.parent / "src" / "guanxi"
    try:
        commit = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip() or "?"
    except OSError:
        commit = "?"
    newest = max(src.rglob("*.py"), key=lambda path: path.stat().st_mtime)
    changed = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(newest.stat().st_mtime))
    return f"commit {commit}, newest source file {newest.relative_to(src.parent)} ({changed})"


# --- one database: set-up, server, measurement ------------------------------------------------------


def run_database(label: str, url: str | None, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="gx-bench-pop-") as data_dir:
        env = {**os.environ, "GUANXI_DATA_DIR": data_dir, "GUANXI_DEBUG": "0"}
        for name in ("GUANXI_DATABASE_URL", "GUANXI_TEST_DATABASE_URL", "GUANXI_WEBSOCKET_PORT",
                     "GUANXI_WEBSOCKET_URL", "GUANXI_CTI_WEBHOOK_SECRET", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        if url:
            create_database(url, reuse=False)
            env["GUANXI_DATABASE_URL"] = url
        try:
            started = time.perf_counter()
            _run([guanxi(), "demo", "--customers", str(args.customers), "--no-serve"], env)
            done = _run([sys.executable, __file__, "--prepare", str(args.agents)], env)
            prepared = json.loads(done.stdout.strip().splitlines()[-1])
            log(f"{label}: demo data and {args.agents} signed-in agents in {time.perf_counter() - started:.0f} s; "
                f"{len(prepared['phones'])} callers")
            port = free_port_pair()
            server_log = Path(data_dir, "serve.log")
            command = [guanxi(), "serve", "--port", str(port)] + (["--workers", str(args.workers)] if args.workers
                                                                  else [])
            with server_log.open("wb") as out:
                server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)
            try:
                wait_for_ports(server, (port, port + 1), server_log)
                log(f"{label}: `guanxi serve` answers on {port} (HTTP) and {port + 1} (WebSocket)")
                result = asyncio.run(measure(label, port, prepared, args, server.pid))
                if result["errors"] or result["missing"] or result["closed"]:
                    kept = Path(tempfile.gettempdir(), f"gx-bench-pop-{label.lower()}-serve.log")
                    kept.write_bytes(server_log.read_bytes())
                    result["server_log"] = str(kept)
                return result
            except BaseException:
                print(f"--- the server's output ({label}), last lines:\n{_tail(server_log)}", file=sys.stderr)
                raise
            finally:
                stop(server)
        finally:
            if url:
                drop_database(url)


def guanxi() -> str:
    """The `guanxi` command of this Python's environment."""
    beside = Path(sys.executable).with_name("guanxi")
    return str(beside) if beside.exists() else "guanxi"


def _run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done


def free_port_pair() -> int:
    """A port P with P+1 free as well (the WebSocket process takes the next port)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535 and all(_bindable(p) for p in (port, port + 1)):
            return port
    raise SystemExit("no two free consecutive ports found")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_ports(server: subprocess.Popen, ports, server_log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(ports)
    while waiting:
        if server.poll() is not None:
            raise SystemExit(f"`guanxi serve` exited ({server.returncode}) before answering:\n{_tail(server_log)}")
        if time.monotonic() > deadline:
            raise SystemExit(f"`guanxi serve` did not answer on {waiting} within {timeout:.0f} s")
        try:
            socket.create_connection(("127.0.0.1", waiting[0]), timeout=1).close()
            waiting.pop(0)
        except OSError:
            time.sleep(0.2)


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (its HTTP workers and the WebSocket process), SIGKILL after 15 s;
    returns once no process of the group is left."""
    group = server.pid  # start_new_session: the group's id is the server's pid
    for sig, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            server.poll()
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                server.wait()
                return
            time.sleep(0.1)
        if sig == signal.SIGTERM:
            log("the server's processes outlived SIGTERM by 15 s: SIGKILL")
    server.wait()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


# --- the set-up process (Django, the bench's own data directory) ------------------------------------


def prepare(agents: int) -> int:
    """Agents on the roster, signed in; prints the CTI secret, their extensions and cookies, and callers."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.db.models import Count
    from django.test import Client

    from guanxi.contact_center import webhooks
    from guanxi.contact_center.models import Agent
    from guanxi.core.models import Membership, OrgUnit, User
    from guanxi.core.roles import Role
    from guanxi.customers.models import ContactKind, ContactPoint
    from guanxi.demo.catalog import CALL_CENTER_CODE

    unit = OrgUnit.objects.get(code=CALL_CENTER_CODE)
    role = Group.objects.get(name=Role.AGENT.value)
    unusable = make_password(None)
    with transaction.atomic():
        Agent.objects.update(state=Agent.State.OFFLINE)  # the demo's agent: no desktop open in this bench
        users = []
        for n in range(agents):
            user = User.objects.create(username=f"pop-agent-{n:03d}", password=unusable)
            Membership.objects.create(user=user, org_unit=unit, role=role)
            Agent.objects.create(user=user, capacity={"voice": 1}, state=Agent.State.AVAILABLE,
                                 extension=str(FIRST_EXTENSION + n))
            users.append(user)
    cookies = {}
    for n, user in enumerate(users):
        client = Client()
        client.force_login(user)
        cookies[str(FIRST_EXTENSION + n)] = client.cookies["sessionid"].value
    phones = list(ContactPoint.objects.filter(kind=ContactKind.PHONE, customer__erased_at__isnull=True)
                  .values("normalized").annotate(customers=Count("customer", distinct=True))
                  .filter(customers=1).order_by("normalized").values_list("normalized", flat=True))
    print(json.dumps({"secret": webhooks.secret_for("cti"), "cookies": cookies, "phones": phones}))
    return 0


# --- the measurement (this process's asyncio loop: the PBX and the 200 desktops) -----------------------


def _connector():
    """websockets' client: the asyncio implementation (13 and later), else the legacy one (12)."""
    try:
        from websockets.asyncio.client import connect

        return lambda uri, headers, origin: connect(uri, additional_headers=headers, origin=origin,
                                                    open_timeout=30, max_queue=None)
    except ImportError:
        from websockets.legacy.client import connect

        return lambda uri, headers, origin: connect(uri, extra_headers=headers, origin=origin,
                                                    open_timeout=30, max_queue=None)


class Desktops:
    """The agents' sockets; when each `offered` message arrived, and on which agent's socket."""

    def __init__(self):
        self.sockets = {}
        self.offered = {}  # contact id -> (perf_counter, wall clock, extension, the message's `at`)
        self.waiters = {}  # contact id -> future, set when its `offered` arrives
        self.messages = 0
        self.closed = []
        self.readers = []

    async def connect(self, http_port: int, cookies: dict[str, str]) -> list[str]:
        connect = _connector()
        uri, origin = f"ws://127.0.0.1:{http_port + 1}/ws/desktop/", f"http://127.0.0.1:{http_port}"
        refused = []

        async def one(extension, cookie):
            try:
                ws = await connect(uri, {"Cookie": f"sessionid={cookie}"}, origin)
            except Exception as exc:  # noqa: BLE001 - reported: a refused desktop is a finding
                refused.append(f"{extension}: {type(exc).__name__}: {exc}")
                return
            self.sockets[extension] = ws
            self.readers.append(asyncio.create_task(self.read(extension, ws)))

        for start in range(0, len(cookies), 50):  # 50 handshakes at a time, as desktops opening over a minute
            await asyncio.gather(*(one(ext, cookie) for ext, cookie in list(cookies.items())[start:start + 50]))
        return refused

    async def read(self, extension: str, ws) -> None:
        try:
            async for raw in ws:
                now, wall = time.perf_counter(), time.time()
                self.messages += 1
                message = json.loads(raw)
                if message.get("kind") != "offered":
                    continue
                self.offered.setdefault(message["contact"], (now, wall, extension, message.get("at")))
                waiter = self.waiters.pop(message["contact"], None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
        except Exception as exc:  # noqa: BLE001 - a socket dropped mid-run is reported
            self.closed.append(f"{extension}: {type(exc).__name__}: {exc}")
        else:
            self.closed.append(f"{extension}: closed by the server (code {getattr(ws, 'close_code', '?')})")

    async def wait_offered(self, contact: int, timeout: float):
        if contact not in self.offered:
            waiter = self.waiters.setdefault(contact, asyncio.get_running_loop().create_future())
            try:
                await asyncio.wait_for(asyncio.shield(waiter), timeout)
            except TimeoutError:
                return None
        return self.offered[contact]

    async def close(self) -> None:
        for ws in self.sockets.values():
            await ws.close()
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)


class Pbx:
    """Signs and posts the call events as a PBX does."""

    def __init__(self, http_port: int, secret: str):
        import httpx

        self.url = f"http://127.0.0.1:{http_port}/api/contact-center/cti/events"
        self.secret = secret.encode()
        self.client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64))

    async def post(self, event: dict):
        body = json.dumps(event).encode()
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
        signature = hmac.new(self.secret, f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()
        return await self.client.post(self.url, content=body, headers={
            "Content-Type": "application/json", "X-Guanxi-Timestamp": timestamp, "X-Guanxi-Nonce": nonce,
            "X-Guanxi-Signature": signature})


async def measure(label: str, http_port: int, prepared: dict, args, server_group: int) -> dict:
    desktops = Desktops()
    refused = await desktops.connect(http_port, prepared["cookies"])
    if refused:
        await desktops.close()
        raise SystemExit(f"{label}: {len(refused)} of {len(prepared['cookies'])} desktop sockets refused, e.g.:\n  "
                         + "\n  ".join(refused[:5]))
    log(f"{label}: {len(desktops.sockets)} desktop sockets open")
    pbx = Pbx(http_port, prepared["secret"])
    rng = random.Random(11)
    phones = prepared["phones"]
    try:
        await calls(pbx, desktops, [rng.choice(phones) for _ in range(WARMUP_CALLS)], args, "warm")
        runs = []
        for run in range(1, args.runs + 1):
            await asyncio.sleep(1)
            before, own, wall = _cpu_by_category(server_group), time.process_time(), time.perf_counter()
            figures = await calls(pbx, desktops, [rng.choice(phones) for _ in range(args.calls)], args, f"r{run}")
            after, wall = _cpu_by_category(server_group), time.perf_counter() - wall
            figures["server_cpu_ms"] = (after["server"] - before["server"]) * 1000 / args.calls
            figures["client_cpu_ms"] = (time.process_time() - own) * 1000 / args.calls
            figures["busy"] = (after["machine"] - before["machine"]) / wall / (os.cpu_count() or 1)
            runs.append(figures)
            log(f"{label} run {run}: screen pop p50/p95/p99 {figures['pop'][0]:.1f}/{figures['pop'][1]:.1f}/"
                f"{figures['pop'][2]:.1f} ms, HTTP answer p99 {figures['http'][2]:.1f} ms; "
                f"{figures['missing']} missing, {figures['misrouted']} on another socket, "
                f"{len(figures['errors'])} errors")
    finally:
        await pbx.client.aclose()
        closed_early = list(desktops.closed)
        await desktops.close()
    result = {key: [statistics.median(r[key][i] for r in runs) for i in range(3)]
              for key in ("pop", "http", "after", "since_at")}
    result.update(runs=runs, missing=sum(r["missing"] for r in runs), misrouted=sum(r["misrouted"] for r in runs),
                  errors=[e for r in runs for e in r["errors"]], closed=closed_early,
                  sockets=len(desktops.sockets), messages=desktops.messages,
                  **{key: statistics.median(r[key] for r in runs) for key in ("server_cpu_ms", "client_cpu_ms",
                                                                                 "busy")})
    return result


async def calls(pbx: Pbx, desktops: Desktops, callers: list[str], args, tag: str) -> dict:
    """Offers the calls open loop at args.rate a second and ends each after args.hold; percentiles in ms."""
    pop, http, after, since_at, errors = [], [], [], [], []
    missing = misrouted = 0

    async def one(n: int, caller: str):
        nonlocal missing, misrouted
        call_id = f"pop-{tag}-{n}-{uuid.uuid4().hex[:8]}"
        try:
            posted = time.perf_counter()
            answer = await pbx.post({"event": "offered", "call_id": call_id, "caller": caller})
            answered = time.perf_counter()
            decision = answer.json() if answer.status_code == 200 else {}
            if decision.get("action") != "connect":
                errors.append(f"offered {call_id}: HTTP {answer.status_code} {answer.text[:200]}")
                return
            seen = await desktops.wait_offered(decision["contact_id"], PUSH_TIMEOUT)
            if seen is None:
                missing += 1
            else:
                at_desktop, wall, extension, at = seen
                if extension != decision["extension"]:
                    misrouted += 1
                pop.append((at_desktop - posted) * 1000)
                after.append((at_desktop - answered) * 1000)
                if at:
                    since_at.append((wall - dt.datetime.fromisoformat(at).timestamp()) * 1000)
            http.append((answered - posted) * 1000)
            await asyncio.sleep(args.hold)
        finally:
            ended = await pbx.post({"event": "ended", "call_id": call_id})
            if ended.status_code != 200:
                errors.append(f"ended {call_id}: HTTP {ended.status_code} {ended.text[:200]}")

    start = time.perf_counter()
    tasks = []
    for n, caller in enumerate(callers):
        delay = start + n / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, caller)))
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, BaseException):
            errors.append(f"{type(outcome).__name__}: {outcome}")

    def q(values):
        ordered = sorted(values)
        return [percentile(ordered, 50), percentile(ordered, 95), percentile(ordered, 99)]

    return {"pop": q(pop), "http": q(http), "after": q(after), "since_at": q(since_at), "missing": missing,
            "misrouted": misrouted, "errors": errors}


# --- the report -----------------------------------------------------------------------------------------


def report(results, args) -> None:
    print()
    rows = [["database", "figure", "p50 ms", "p95 ms", "p99 ms", "limit ms", "limit / ours (p99)"]]
    for label, r in results:
        pop = r["pop"]
        rows.append([label, "screen pop: POST offered -> agent's socket", *map(fmt, pop), f"{LIMIT_MS:g}",
                     f"{LIMIT_MS / pop[2]:.2f}"])
        rows.append(["", "  HTTP answer alone", *map(fmt, r["http"]), "", ""])
        rows.append(["", "  push after the answer", *map(fmt, r["after"]), "", ""])
        rows.append(["", "  event's `at` (server clock) -> socket", *map(fmt, r["since_at"]), "", ""])
    print_table(rows)
    print()
    for label, r in results:
        per_run = ", ".join(f"{run['pop'][2]:.1f}" for run in r["runs"])
        print(f"{label}: screen pop p99 per run {per_run} ms; poll interval {POLL_MS:g} ms = "
              f"{POLL_MS / r['pop'][2]:.0%} of the p99 (a line waits 0-{POLL_MS:g} ms, {POLL_MS / 2:g} on average, "
              f"for the next read); {r['sockets']} sockets, {r['messages']} messages received; "
              f"{r['missing']} pushes missing (none within {PUSH_TIMEOUT:g} s), {r['misrouted']} on another "
              f"agent's socket, {len(r['errors'])} HTTP errors, {len(r['closed'])} sockets closed before the end")
        print(f"  CPU a call (offered + ended): the server's processes {r['server_cpu_ms']:.1f} ms, this script "
              f"(PBX and desktops) {r['client_cpu_ms']:.1f} ms; the machine {r['busy']:.0%} busy during the runs")
        for line in (r["errors"][:5] + r["closed"][:5]):
            print(f"  {line}")
        if r.get("server_log"):
            print(f"  the server's output is kept in {r['server_log']}")
    print(f"\n`{' '.join(['python', 'bench/screen_pop.py', *sys.argv[1:]])}`")


if __name__ == "__main__":
    sys.exit(main())
