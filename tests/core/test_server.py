"""`guanxi serve` as an operator starts it: a real server process (Granian) on a fresh SQLite data
directory, used over HTTP the way a browser and an integration do."""

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _guanxi(*args, env):
    return subprocess.run([sys.executable, "-m", "guanxi.cli", *args], env=env, check=True, capture_output=True)


@pytest.fixture
def server(tmp_path):
    env = {**os.environ, "GUANXI_DATA_DIR": str(tmp_path / "data"), "GUANXI_DEBUG": "0"}
    for name in ("GUANXI_TEST_DATABASE_URL", "GUANXI_DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    _guanxi("demo", "--no-serve", "--customers", "30", env=env)  # migrate, org tree, a few customers, logins
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "guanxi.cli", "serve", "--port", str(port), "--workers", "2"],
                               env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError(process.stdout.read().decode())
    yield f"http://127.0.0.1:{port}", env
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)  # the HTTP workers' kill timeout (server.serve) for a worker stopped while starting


class Browser:
    """urllib with a cookie jar: what a browser keeps between requests."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                  _NoRedirect())

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def request(self, method: str, path: str, data=None, headers=None):
        body = None
        headers = dict(headers or {})
        if isinstance(data, dict) and headers.get("Content-Type") == "application/json":
            body = json.dumps(data).encode()
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_an_agent_signs_in_issues_a_token_and_an_integration_looks_a_caller_up(server):
    base, _env = server
    browser = Browser(base)
    status, _headers, _body = browser.request("GET", "/login/")
    assert status == 200
    status, headers, _body = browser.request(
        "POST", "/login/", {"username": "agent", "password": "guanxi-demo", "csrfmiddlewaretoken": browser.csrf()},
        headers={"Referer": base + "/login/"},
    )
    assert status == 302 and headers["Location"] == "/"
    assert browser.request("GET", "/customers/")[0] == 200

    status, _headers, body = browser.request(
        "POST", "/api/tokens", {"name": "CTI"},
        headers={"Content-Type": "application/json", "X-CSRFToken": browser.csrf(), "Referer": base + "/"},
    )
    assert status == 201, body
    bearer = {"Authorization": f"Bearer {json.loads(body)['token']}"}

    integration = Browser(base)
    status, _headers, body = integration.request("GET", "/api/customers?page_size=1", headers=bearer)
    customer = json.loads(body)["results"][0]
    status, _headers, body = integration.request(
        "GET", f"/api/customers/{customer['id']}/contact-points?kind=phone", headers=bearer
    )
    phone = next(row["value"] for row in json.loads(body)["results"] if row["kind"] == "phone")
    status, _headers, body = integration.request("GET", "/api/lookup?" + urllib.parse.urlencode({"q": phone}),
                                                 headers=bearer)
    assert status == 200 and customer["id"] in [row["id"] for row in json.loads(body)]
    # the token reads only: a change is refused with the API's JSON shape
    status, _headers, body = integration.request(
        "PATCH", f"/api/customers/{customer['id']}", {"tier": "vip"},
        headers={**bearer, "Content-Type": "application/json"},
    )
    assert status == 403 and "only read" in json.loads(body)["detail"]
