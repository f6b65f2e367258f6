"""An agent's desktop in a real headless Chromium (issue 11): a PBX's call event pops the caller's card over
the WebSocket, the agent answers and finishes it with notes on the timeline, and an unknown caller becomes a
new customer with the number filled in.

The page is served by the live server (WSGI) and its WebSocket by guanxi.asgi in Granian's embedded server on
another port, as `guanxi serve` runs them; both read the same test database.
"""

import asyncio
import json
import socket
import threading
import time
import urllib.request
import uuid

import pytest
from granian.constants import Interfaces
from granian.server.embed import Server

from guanxi.contact_center import webhooks
from guanxi.contact_center.models import Agent
from guanxi.core.roles import Role
from guanxi.customers.models import Interaction
from guanxi.service.models import Ticket
from tests.browser.conftest import ARTIFACTS, BROWSER_TESTS, sign_in

pytestmark = BROWSER_TESTS


@pytest.fixture
def socket_server(live_server, settings):
    """guanxi.asgi on a free port in a thread, and the pages told to find their WebSocket there."""
    from guanxi.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Server(application, address="127.0.0.1", port=port, interface=Interfaces.ASGINL, log_enabled=False)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    settings.GUANXI_WEBSOCKET_PORT = port
    yield port
    loop.call_soon_threadsafe(server.stop)
    thread.join(10)


def pbx(live_server, event: dict) -> dict:
    """A signed call event posted to the live server, as a PBX does."""
    body = json.dumps(event).encode()
    stamp, nonce = str(int(time.time())), uuid.uuid4().hex
    request = urllib.request.Request(f"{live_server.url}/api/contact-center/cti/events", data=body, headers={
        "Content-Type": "application/json", "X-Guanxi-Timestamp": stamp, "X-Guanxi-Nonce": nonce,
        "X-Guanxi-Signature": webhooks.signature(webhooks.secret_for("cti"), stamp, nonce, body)})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_call_pops_the_caller_on_the_agent_s_desktop_and_is_answered_and_finished_there(
        socket_server, page, live_server, users, customers):
    Agent.objects.create(user=users[Role.AGENT], extension="8001", state=Agent.State.AVAILABLE,
                         capacity={"voice": 1})
    sign_in(page, live_server, users[Role.AGENT])
    page.goto(f"{live_server.url}/contact-center/desktop/")
    page.wait_for_function("() => { const l = document.getElementById('desktop-link');"
                           " return l.textContent === l.dataset.online; }")
    assert not page.csp_refusals

    answer = pbx(live_server, {"event": "offered", "call_id": "pbx-1", "caller": "+86 138 0013 8000"})
    assert (answer["action"], answer["extension"]) == ("connect", "8001")
    page.locator(".desktop-card h2", has_text="张伟").wait_for()  # the screen pop, pushed (how fast: bench/)
    assert page.locator(".desktop-card .plate", has_text="沪A12345").count() == 1
    page.screenshot(path=str(ARTIFACTS / "agent-desktop-pop.png"), full_page=True)

    page.click("[data-contact] button.btn-primary")  # accept
    page.select_option("[data-contact] select[name=wrap_up]", "information")
    page.fill("[data-contact] input[name=notes]", "问 4 万公里保养的价格")
    page.locator(".desktop-card .desktop-tools").wait_for()  # answered: the card comes back with its tools
    page.locator(".desktop-card select[name=ticket_kind] + button").click()  # a ticket, with the notes typed
    page.locator(".desktop-card .alert a[href^='/service/tickets/']").wait_for()
    assert Ticket.objects.get().description == "问 4 万公里保养的价格"
    page.screenshot(path=str(ARTIFACTS / "agent-desktop-tools.png"), full_page=True)
    page.click("#desktop-contacts [data-contact] button[type=submit]")
    page.locator("#desktop-contacts .empty").wait_for()
    assert Interaction.objects.get(customer=customers["zhang"]).summary.endswith("问 4 万公里保养的价格")

    pbx(live_server, {"event": "offered", "call_id": "pbx-2", "caller": "021 6555 0101"})
    page.locator(".desktop-card a[href*='phone=']").click()  # an unknown party: "New customer"
    page.wait_for_url("**/customers/new/?phone=*")
    assert page.input_value("input[name=phone]") == "021 6555 0101"
    assert not page.csp_refusals


def test_after_a_caller_hangs_up_the_desktop_counts_down_the_after_call_work_then_takes_the_next_call(
        socket_server, page, live_server, users, customers, settings):
    settings.GUANXI_AFTER_CALL_WORK_SECONDS = 4
    agent = Agent.objects.create(user=users[Role.AGENT], extension="8001", state=Agent.State.AVAILABLE,
                                 capacity={"voice": 1})
    sign_in(page, live_server, users[Role.AGENT])
    page.goto(f"{live_server.url}/contact-center/desktop/")
    page.wait_for_function("() => { const l = document.getElementById('desktop-link');"
                           " return l.textContent === l.dataset.online; }")
    pbx(live_server, {"event": "offered", "call_id": "pbx-1", "caller": "+86 138 0013 8000"})
    pbx(live_server, {"event": "answered", "call_id": "pbx-1", "extension": "8001"})
    assert pbx(live_server, {"event": "offered", "call_id": "pbx-2", "caller": "021 6555 0101"})["action"] == "queue"

    pbx(live_server, {"event": "ended", "call_id": "pbx-1"})  # the caller hangs up
    page.locator("#desktop-state [data-after-call-work]").wait_for()  # pushed: the countdown shows
    assert page.locator("#desktop-state [data-state=acw]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "agent-desktop-after-call-work.png"), full_page=True)
    # at zero the desktop says the agent is available, and the waiting call rings them
    page.locator("#desktop-contacts [data-contact][data-state=offered]").wait_for(timeout=15_000)
    assert list(agent.state_changes.order_by("pk").values_list("state", flat=True))[-3:] == \
        ["acw", "available", "busy"]
    assert not page.csp_refusals
