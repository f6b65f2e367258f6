"""The HTTP server behind `guanxi serve` and `guanxi demo`: gunicorn with synchronous workers.

Measured with bench/lookup.py on 3M customers (2 cores): uvicorn running Django's sync views
hands each request to a fresh thread, and each thread opens its own database connection and
keeps it, so PostgreSQL spent more CPU on connection start-up than on the lookups and ran out of
connections (143 lookups/s, p99 264 ms, 500 errors). Pre-forked sync workers keep one persistent
connection each (481/s on the same code before the lookup was trimmed, no errors). WebSocket
routes, when channel adapters need them, get their own ASGI process.
"""

import multiprocessing

from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    return max(2, multiprocessing.cpu_count() * 2 - 1)


class GuanxiServer(BaseApplication):
    def __init__(self, host: str, port: int, workers: int):
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "timeout": 120,
        }
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from guanxi.wsgi import application

        return application
