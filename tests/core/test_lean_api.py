"""The lean path (guanxi.core.lean_api): what it answers itself, what it hands to the full stack,
and that it keeps the token rule, the middleware it names and Django's error answers."""

import datetime as dt
import os

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection, connections
from django.test import RequestFactory

from guanxi.core.audit import Channel, audit_context, current_actor, current_channel
from guanxi.core.lean_api import Decline
from guanxi.core.models import ApiToken
from tests.core.lean_client import LeanClient


def echo_user(request):
    return {"user": request.user.username}


@pytest.fixture
def token(users):
    return ApiToken.issue(users["agent"], "lean")[1]


def test_a_lean_route_answers_with_the_api_renderer_and_the_middleware_headers(token):
    answer = LeanClient({"api:lookup": echo_user}).get("/api/lookup", token=token)
    assert answer.lean and answer.status == 200
    assert answer.content == b'{"user": "u_agent"}'
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert answer.headers["Content-Length"] == str(len(answer.content))
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("header", [None, "Bearer gx_wrong", "Bearer ", "Token gx_x", "gx_x"])
def test_without_a_valid_token_the_full_stack_answers(client, users, header):
    lean = LeanClient({"api:lookup": echo_user})
    environ_headers = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    answer = lean.get("/api/customers", **environ_headers)  # not a lean route at all
    assert not answer.lean and answer.status == 401
    answer = lean.get("/api/lookup", {"q": "1"}, **environ_headers)
    assert not answer.lean and answer.status == 401 and answer.content == b'{"detail": "Unauthorized"}'


def test_expired_tokens_and_inactive_users_are_handed_over_and_refused(users, token):
    expired, raw = ApiToken.issue(users["admin"], "old", valid_days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=expired.created_at - dt.timedelta(days=1))
    lean = LeanClient({"api:lookup": echo_user})
    assert (lean.get("/api/lookup", token=raw).status, lean.handed_over) == (401, ["/api/lookup"])
    users["agent"].is_active = False
    users["agent"].save()
    answer = lean.get("/api/lookup", token=token)
    assert not answer.lean and answer.status == 401


def test_only_get_is_lean(token):
    environ = RequestFactory().post("/api/lookup", headers={"Authorization": f"Bearer {token}"}).environ
    answer = LeanClient({"api:lookup": echo_user}).call(environ)
    assert not answer.lean and answer.status == 405


def test_a_declining_route_hands_the_request_over(token):
    def declines(request):
        raise Decline

    answer = LeanClient({"api:lookup": declines}).get("/api/lookup", token=token)
    assert not answer.lean and answer.status == 422  # Ninja's answer to the missing q


def test_middleware_answers_stay_those_of_the_full_stack(client, token, settings):
    lean = LeanClient({"api:lookup": echo_user})
    nul = lean.get("/api/lookup", {"q": "1\x00"}, token=token)
    full = client.get("/api/lookup", {"q": "1\x00"}, headers={"Authorization": f"Bearer {token}"})
    assert nul.lean and nul.status == full.status_code == 422 and nul.content == full.content
    assert lean.get("/api/lookup", token=token, HTTP_HOST="evil.example").status == 400
    settings.SECURE_SSL_REDIRECT = True  # read when the middleware is made
    redirected = LeanClient({"api:lookup": echo_user}).get("/api/lookup", token=token)
    assert redirected.lean and redirected.status == 301
    assert redirected.headers["Location"] == "https://testserver/api/lookup"


def test_an_exception_is_djangos_500(token):
    def fails(request):
        raise RuntimeError("boom")

    answer = LeanClient({"api:lookup": fails}).get("/api/lookup", token=token)
    assert answer.lean and answer.status == 500


def test_a_lean_read_names_no_audit_actor(token):
    """Lean routes only read: the token's user is not left behind as the actor of later changes
    (say the worker thread's context from an earlier request)."""
    with audit_context(actor=None, channel=Channel.CLI):
        assert LeanClient({"api:lookup": echo_user}).get("/api/lookup", token=token).lean
        assert current_actor() is None and current_channel() == Channel.CLI


@pytest.fixture
def broken_connection(monkeypatch):
    """The default connection reported broken; closing it is recorded, not done (it holds the test's
    transaction)."""
    closed = []
    monkeypatch.setattr(type(connections["default"]), "is_usable", lambda self: False)
    monkeypatch.setattr(type(connections["default"]), "close", lambda self: closed.append(self.alias))
    return closed


def test_a_read_that_met_a_broken_connection_is_asked_again(token, broken_connection):
    asked = []

    def flaky(request):
        asked.append(request.path)
        if len(asked) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return {"user": request.user.username}

    answer = LeanClient({"api:lookup": flaky}).get("/api/lookup", token=token)
    assert answer.lean and answer.status == 200 and answer.content == b'{"user": "u_agent"}'
    assert len(asked) == 2 and broken_connection == ["default"]


def test_a_database_error_on_a_working_connection_is_a_500(token, monkeypatch):
    asked = []

    def fails(request):
        asked.append(request.path)
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(type(connections["default"]), "is_usable", lambda self: True)
    answer = LeanClient({"api:lookup": fails}).get("/api/lookup", token=token)
    assert answer.lean and answer.status == 500 and len(asked) == 1


@pytest.mark.skipif(
    not os.environ.get("GUANXI_TEST_DATABASE_URL"), reason="ending a connection from the server side needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_database_dropped_is_no_error(django_user_model):
    """For real, on PostgreSQL: the server ends the worker's connection between two calls. (No
    `users` fixture: an earlier transactional test may have flushed the roles it needs.)"""
    _, raw = ApiToken.issue(django_user_model.objects.create_user("u_agent"), "lean")
    lean = LeanClient({"api:lookup": echo_user})
    assert lean.get("/api/lookup", token=raw).status == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with connection.get_new_connection(connection.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    cache.clear()  # the token is read from the database again, on the dropped connection
    answer = lean.get("/api/lookup", token=raw)
    assert answer.lean and answer.status == 200 and answer.content == b'{"user": "u_agent"}'
