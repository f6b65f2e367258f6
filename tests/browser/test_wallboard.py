"""The supervisor's wallboard in a real headless Chromium: its charts draw under the Content-Security-Policy,
and the page follows the floor by itself, without a reload.

Uses the system Chromium (never downloads a browser); skipped when none is installed.
"""

from guanxi.contact_center import services
from guanxi.contact_center.models import Agent
from guanxi.core.roles import Role
from tests.browser.conftest import BROWSER_TESTS, sign_in

pytestmark = BROWSER_TESTS


def test_the_wallboard_draws_its_charts_and_follows_the_floor_without_a_reload(page, live_server, users):
    agent = Agent.objects.create(user=users[Role.AGENT], skills={"warranty": 3}, capacity={"voice": 1})
    services.set_agent_state(agent, "break")
    services.enqueue_contact("voice", {"skills": {"warranty": 2}})
    sign_in(page, live_server, users[Role.SUPERVISOR])
    page.goto(f"{live_server.url}/contact-center/wallboard/")
    for chart in ("#wallboard-states", "#wallboard-queues"):
        page.locator(f"{chart} svg path").first.wait_for(state="attached")  # drawn by ECharts (SVG)
    assert page.locator("[data-figure=waiting]").inner_text() == "1"
    page.evaluate("() => { document.getElementById('wallboard-states').dataset.kept = 'yes'; }")

    services.enqueue_contact("voice", {"skills": {"warranty": 1}})  # the floor changes under the page
    page.locator("[data-figure=waiting]", has_text="2").wait_for(timeout=15_000)  # the next poll shows it
    assert page.evaluate("() => document.getElementById('wallboard-states').dataset.kept") == "yes"  # not redrawn
    assert page.locator("#wallboard-queues svg path").count() > 3
    assert page.csp_refusals == []
