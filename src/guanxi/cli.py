"""The `guanxi` command: demo, serve, migrate, createuser, worker, loaddemo, simulate, score, and any Django
command."""

import argparse
import contextlib
import os
import socket
import subprocess
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    return call_command


def _serve(host: str, port: int, workers: int | None) -> None:
    from guanxi.server import DB_SECONDS, default_workers, serve

    _django()("collectstatic", interactive=False, verbosity=0)
    from django.conf import settings

    # the web server's database work has a time budget (core.budget); set before the workers start
    os.environ.setdefault("GUANXI_DB_SECONDS", DB_SECONDS)
    settings.GUANXI_DB_SECONDS = float(os.environ["GUANXI_DB_SECONDS"])
    workers = workers or default_workers()
    os.environ.setdefault("GUANXI_WEBSOCKET_PORT", str(port + 1))
    settings.GUANXI_WEBSOCKET_PORT = int(os.environ["GUANXI_WEBSOCKET_PORT"])
    _check_free(host, settings.GUANXI_WEBSOCKET_PORT)
    print(f"Guanxi is serving on http://{host}:{port}/  ({workers} workers; the agents' desktops' WebSocket on "
          f"port {settings.GUANXI_WEBSOCKET_PORT}; Ctrl+C stops it)", flush=True)
    from django.db import connections

    connections.close_all()  # the workers fork from this process: none may inherit its connections
    with _child(f"from guanxi.server import serve_websockets; serve_websockets({host!r}, "
                f"{settings.GUANXI_WEBSOCKET_PORT})"):
        serve(host, port, workers)


def _check_free(host: str, port: int) -> None:
    """The WebSocket server's port must be free before anything starts: a desktop must not find another program
    there while the pages say all is well."""
    from django.core.management import CommandError

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(f"port {port} (the agents' desktops' WebSocket) is taken: {exc.strerror}; choose "
                               f"another --port or set GUANXI_WEBSOCKET_PORT") from None


@contextlib.contextmanager
def _child(code: str):
    """A Python process beside this one for as long as the block runs (the job worker, the WebSocket server),
    so that one command starts, and Ctrl+C stops, everything."""
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def _background_worker():
    """The demo runs its job worker beside the server (domain events, periodic jobs), as one command."""
    return _child("from guanxi.cli import main; main(['worker'])")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="guanxi", description="Guanxi CRM")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="first run: create the data directory, migrate, load demo data and users; then serve"
    )
    demo.add_argument("--customers", type=int, default=20_000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-serve", action="store_true", help="prepare the demo and exit")

    serve = sub.add_parser("serve", help="serve the web UI and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, help="worker processes (default: one per core, at least 2)")

    sub.add_parser("migrate", help="create or upgrade the database schema")
    sub.add_parser("worker", help="run the background job worker (huey)")

    createuser = sub.add_parser("createuser", help="create a user in an org unit with a role")
    createuser.add_argument("username")
    createuser.add_argument("--role", required=True)
    createuser.add_argument("--org-unit", required=True, help="org unit code, e.g. HQ or D001")
    createuser.add_argument("--password")
    createuser.add_argument("--superuser", action="store_true")

    loaddemo = sub.add_parser("loaddemo", help="load the synthetic automotive data set")
    loaddemo.add_argument("--customers", type=int, default=20_000)
    loaddemo.add_argument("--seed", type=int, default=42)

    simulate = sub.add_parser(
        "simulate", help="simulate the contact center under a routing policy (SL, ASA, abandonment)"
    )
    simulate.add_argument("--agents", default="14", help="one number, or a comma-separated schedule (one per interval)")
    simulate.add_argument("--calls-per-interval", default="100", help="one number, or a comma-separated list")
    simulate.add_argument("--arrivals", default=None, help="replay a CSV of contacts: seconds,tier[,handle seconds]")
    simulate.add_argument("--interval-minutes", type=float, default=30)
    simulate.add_argument("--aht", type=float, default=180, help="mean handle time, seconds")
    simulate.add_argument("--patience", type=float, default=None, help="mean patience, seconds (default: none)")
    simulate.add_argument("--vip-share", type=float, default=0.2)
    simulate.add_argument("--policy", default=None, help="routing policy JSON file (default: the value policy)")
    simulate.add_argument("--hours", type=float, default=8)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--target", type=float, default=20, help="service-level target, seconds")

    score = sub.add_parser("score", help="copy the warehouse and score every customer now (the worker does it nightly)")
    score.add_argument("--full", action="store_true", help="copy the warehouse whole instead of what changed")
    score.add_argument("--as-of", help="score as of this day, YYYY-MM-DD (default today)")

    manage = sub.add_parser("manage", help="run any Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    try:
        _run(args)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a CommandError or bad input: one clear line, no traceback
        from django.core.management import CommandError

        if not isinstance(exc, CommandError):
            raise
        parser.exit(2, f"guanxi {args.command}: error: {exc}\n")


def _run(args) -> None:
    if args.command == "manage":
        from django.core.management import execute_from_command_line

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
        execute_from_command_line(["guanxi", *args.args])
        return
    call_command = _django()
    if args.command == "demo":
        call_command("demo", customers=args.customers, seed=args.seed)
        if not args.no_serve:
            with _background_worker():
                _serve(args.host, args.port, workers=2)
    elif args.command == "serve":
        _serve(args.host, args.port, args.workers)
    elif args.command == "migrate":
        call_command("migrate", interactive=False)
    elif args.command == "worker":
        call_command("run_huey")
    elif args.command == "createuser":
        call_command(
            "createuser",
            args.username,
            role=args.role,
            org_unit=args.org_unit,
            password=args.password,
            superuser=args.superuser,
        )
    elif args.command == "simulate":
        call_command(
            "simulate",
            agents=args.agents,
            calls_per_interval=args.calls_per_interval,
            arrivals=args.arrivals,
            interval_minutes=args.interval_minutes,
            aht=args.aht,
            patience=args.patience,
            vip_share=args.vip_share,
            policy=args.policy,
            hours=args.hours,
            seed=args.seed,
            target=args.target,
        )
    elif args.command == "loaddemo":
        call_command("loaddemo", customers=args.customers, seed=args.seed)
    elif args.command == "score":
        call_command("score", full=args.full, as_of=args.as_of)


if __name__ == "__main__":
    main(sys.argv[1:])
