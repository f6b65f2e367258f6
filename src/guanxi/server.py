"""The HTTP server behind `guanxi serve` and `guanxi demo`: Granian (Rust) serving the WSGI app.

Measured with bench/lookup.py on 3M customers (2 cores, the phone lookup, 16 clients):
- uvicorn running Django's sync views hands each request to a fresh thread, and each thread opens
  its own database connection and keeps it: PostgreSQL spent more CPU on connection start-up than
  on the lookups and ran out of connections (143 lookups/s, p99 264 ms, 500 errors);
- gunicorn's pre-forked sync workers keep one persistent connection each, but close every HTTP
  connection after one request and parse HTTP in Python: 1.00 ms of server CPU per lookup,
  1,298 lookups/s (its gthread workers, with keep-alive: 1.04 ms, no better);
- Granian with one blocking thread per worker keeps the one-connection-per-worker shape and
  handles HTTP (keep-alive included) in Rust: 0.70-0.8 ms of server CPU per lookup, about
  1,600-1,800 lookups/s. With three workers on two cores its p99 swung between 20 and 29 ms (a
  keep-alive connection stays with the worker that accepted it, so queues grow unevenly); with
  one worker per core, as Granian advises, p99 was 17-18 ms at 1,700 lookups/s.
A worker runs one request at a time (Django's sync views, one thread), as before. The agents'
desktops' WebSocket (contact_center.push) gets its own process, Granian's ASGI interface on the next
port (`serve_websockets`): one asyncio loop holds every socket, and the HTTP workers keep their
measured shape. The page finds it on its own host at that port (GUANXI_WEBSOCKET_PORT).
"""

import math
import multiprocessing
import os

from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

DB_SECONDS = "10"  # each statement's budget under the server, unless GUANXI_DB_SECONDS says otherwise
# How long a worker may take to stop before it is killed. Without a limit a worker told to stop while it was
# still starting (SIGTERM to the process group seconds after `guanxi serve`) was seen to hang for good, its
# server waiting on it, or, once `guanxi serve` gave up, orphaned. An HTTP request in flight gets its database
# budget (GUANXI_DB_SECONDS, as in force) and this much more to finish; the WebSocket worker less, as it is under
# cli._child's own 10 s.
HTTP_STOP_GRACE_SECONDS = 5
WEBSOCKET_STOP_SECONDS = 3


def default_workers() -> int:
    """One per core (at least two, so that one slow page never stops the server)."""
    return max(2, multiprocessing.cpu_count())


def serve_websockets(host: str, port: int) -> None:
    """Serves guanxi.asgi's WebSocket routes (one process: the sockets share one channel layer) until stopped."""
    Granian(
        "guanxi.asgi:application",
        address=host,
        port=port,
        interface=Interfaces.ASGINL,  # no lifespan events: Django has none to run
        workers=1,
        websockets=True,
        log_level=LogLevels.warning,
        respawn_failed_workers=True,
        # a desktop holds its socket open for the whole shift, so a graceful stop never ends by itself
        workers_kill_timeout=WEBSOCKET_STOP_SECONDS,
    ).serve()


def _http_stop_seconds() -> int:
    """The database budget in force (cli._serve sets GUANXI_DB_SECONDS before serving) and the grace."""
    return math.ceil(float(os.environ.get("GUANXI_DB_SECONDS", DB_SECONDS))) + HTTP_STOP_GRACE_SECONDS


def serve(host: str, port: int, workers: int) -> None:
    """Serves guanxi.wsgi until stopped (Ctrl+C or SIGTERM)."""
    Granian(
        "guanxi.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=1,  # one request at a time per worker: one database connection, kept
        log_level=LogLevels.warning,
        respawn_failed_workers=True,
        workers_kill_timeout=_http_stop_seconds(),
    ).serve()
