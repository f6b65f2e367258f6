"""The lean path: the API's hottest reads answered without the full request stack.

The phone lookup runs on every incoming call. Through the full stack (thirteen middleware, the
session and its user, Ninja's authentication, parameter and answer validation) Django spent more
CPU on the request than on the lookup itself (bench/lookup.py). A lean route answers only the
plain case, a GET with a valid API token and well-formed parameters, and hands every other
request (no token or a wrong one, parameters it does not expect) to the full stack, so refusals
and errors keep the one shape the API documents.

What a lean request still gets, from Django's own code:
- the request signals (a connection past its age or left in a bad state is closed, as for every
  request). Not the health check (CONN_HEALTH_CHECKS), a `SELECT 1` round trip before the first
  query of every request: a lean route only reads, so it is asked again once on a new connection
  when its connection turns out broken, which gives the check's guarantee (a connection the
  database dropped while idle is no error for the caller) without its cost on every call;
- those middleware of MIDDLEWARE that matter to a token read (LEAN_MIDDLEWARE: the HTTPS redirect
  and security headers, host validation and Content-Length, bounded input, X-Frame-Options), in
  their configured order, so their answers (a 400 for a host not allowed, a 422 for a NUL) too;
- the token rule (ApiToken.objects.authenticate: hash, expiry, inactive users) and the route's own
  call into the scoping layer, which decides what the user sees;
- Django's answer to an unexpected exception (logged, 500).

What it leaves out, and why that is safe: sessions, CSRF, messages, locale, htmx and the user's
time zone (a token call needs no cookie, and the answers hold no text or time to translate), and
the audit context: only GET requests are routed here and a lean route only reads, so there is no
change to attribute.
"""

from collections.abc import Callable

from django.conf import settings
from django.core import signals
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, connections
from django.urls import reverse
from django.utils.log import log_response
from django.utils.module_loading import import_string

from guanxi.core.api import TokenUserAuth

LEAN_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "guanxi.core.middleware.BoundedInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)


class Decline(Exception):
    """Raised by a lean route for a request that is not its plain case: the full stack answers it."""


class LeanAPI:
    """A WSGI application: lean routes by URL name, every other request to `app` (Django's).

    `routes` maps a URL name ("api:lookup") to a function of the authenticated request returning
    the answer's data (or raising Decline); `api` is the NinjaAPI, whose renderer writes the answer
    exactly as for the same endpoint on the full path.
    """

    def __init__(self, app, api, routes: dict[str, Callable]):
        self.app, self.api = app, api
        self.auth = TokenUserAuth()
        self.routes = {reverse(name): self._chain(view) for name, view in routes.items()}

    def _chain(self, view: Callable):
        def respond(request):
            if self.auth(request) is None:
                raise Decline
            return self.api.create_response(request, view(request), status=200)

        def answer(request):
            try:
                return respond(request)
            except DatabaseError:
                if not _closed_broken_connections():
                    raise
                return respond(request)

        handler = answer
        for path in reversed([m for m in settings.MIDDLEWARE if m in LEAN_MIDDLEWARE]):
            handler = import_string(path)(handler)
        return handler

    def __call__(self, environ, start_response):
        chain = self.routes.get(environ.get("PATH_INFO")) if environ.get("REQUEST_METHOD") == "GET" else None
        if chain is None or "HTTP_AUTHORIZATION" not in environ:
            return self.app(environ, start_response)
        request = WSGIRequest(environ)
        signals.request_started.send(sender=self.__class__, environ=environ)
        for connection in connections.all(initialized_only=True):
            connection.health_check_done = True  # checked by use instead, see the module docstring
        try:
            response = chain(request)
        except Decline:
            return self.app(environ, start_response)
        except Exception as exc:
            response = response_for_exception(request, exc)
        if response.status_code >= 400:
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        response._handler_class = self.__class__  # its close() sends request_finished, as Django's does
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))  # no cookies here
        return response


def _closed_broken_connections() -> bool:
    """Close the database connections that no longer work; whether there was one."""
    broken = [c for c in connections.all(initialized_only=True) if c.connection is not None and not c.is_usable()]
    for connection in broken:
        connection.close()
    return bool(broken)
