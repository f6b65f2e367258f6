"""Calling guanxi's WSGI application (with its lean path, guanxi.core.lean_api) from a test.

Django's test client goes through Django's handler and so never reaches the lean path in front
of it; this calls the WSGI application itself, the way the HTTP server does, and tells whether the lean
path answered or handed the request to Django.
"""

import contextlib
from dataclasses import dataclass, field

from django.core import signals
from django.db import close_old_connections
from django.test import RequestFactory

from guanxi.api import LEAN_ROUTES, api
from guanxi.core.lean_api import LeanAPI
from guanxi.wsgi import django_application


@dataclass
class Answer:
    status: int
    headers: dict
    content: bytes
    lean: bool  # answered on the lean path (not handed to Django's handler)


@contextlib.contextmanager
def keeping_the_test_transaction():
    """As Django's test client does: the request signals must not close the connection that holds
    the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@dataclass
class LeanClient:
    routes: dict = field(default_factory=lambda: LEAN_ROUTES)
    handed_over: list = field(default_factory=list)

    def __post_init__(self):
        def django(environ, start_response):
            self.handed_over.append(environ["PATH_INFO"])
            return django_application(environ, start_response)

        self.app = LeanAPI(django, api, self.routes)

    def get(self, path: str, data=None, token: str | None = None, **extra) -> Answer:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.call(RequestFactory().get(path, data, headers=headers, **extra).environ)

    def call(self, environ: dict) -> Answer:
        started, seen = len(self.handed_over), {}

        def start_response(status, headers, exc_info=None):
            seen.update(status=int(status.split()[0]), headers=dict(headers))

        with keeping_the_test_transaction():
            body = self.app(environ, start_response)
            try:
                content = b"".join(body)
            finally:
                body.close()
        return Answer(seen["status"], seen["headers"], content, lean=len(self.handed_over) == started)
