"""axe-core (the engine of the browsers' accessibility audits, from the npm registry: package.json)
on every page of the product as each role family sees it, the API's Swagger page excepted: no
serious or critical violation (contrast, form labels, names of buttons and links …).

The page is opened with the Content-Security-Policy bypassed, only so that axe's script can be
injected; the policy itself is checked by the other browser tests.
"""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from guanxi.core.roles import Role
from guanxi.customers import activities, services
from guanxi.customers.models import Vehicle
from tests.browser.conftest import BROWSER_TESTS, new_page, sign_in

pytestmark = BROWSER_TESTS
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """() => axe.run({resultTypes: ["violations"]}).then(result => result.violations
    .filter(violation => ["serious", "critical"].includes(violation.impact))
    .map(violation => ({rule: violation.id, impact: violation.impact,
                        where: violation.nodes.slice(0, 3).map(node => node.target.join(" ")),
                        why: (violation.nodes[0].any[0] || violation.nodes[0].all[0] || {}).message})))"""
PAGES = [
    "/", "/customers/my-day/", "/customers/", "/customers/?tier=vip", "/customers/vehicles/",
    "/customers/interactions/", "/customers/contact-points/", "/customers/consents/", "/customers/activities/",
    "/customers/{customer}/", "/customers/{customer}/edit/", "/customers/new/",
    "/customers/{customer}/interactions/new/", "/customers/{customer}/activities/new/",
    "/customers/{customer}/vehicles/new/", "/customers/{customer}/contact-points/new/",
    "/customers/{customer}/consents/new/", "/customers/vehicles/{vehicle}/", "/customers/activities/{activity}/",
    "/customers/activities/{activity}/edit/", "/customers/search/?q=zhang", "/api-tokens/", "/notifications/",
    "/contact-center/staffing/", "/customers/999999999/",
]


def audit(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("role", [Role.DEALER_SALES, Role.AGENT, Role.SUPERVISOR, Role.SERVICE_ADVISOR])
def test_no_page_has_a_serious_accessibility_violation(browser, live_server, users, customers, role):
    assert AXE.exists(), "axe-core is missing: run `npm ci` (package.json) before the browser tests"
    zhang = customers["zhang"]
    activity = activities.schedule_activity(users[role] if role != Role.SERVICE_ADVISOR else users[Role.ADMIN],
                                            {"summary": "回访", "due_at": timezone.now() + dt.timedelta(hours=1)},
                                            customer_pk=zhang.pk)
    services.add_interaction(users[Role.ADMIN], zhang.pk, {"channel": "phone", "direction": "in", "subject": "咨询"})
    page = new_page(browser, bypass_csp=True)
    found = {"/login/": audit(_open(page, f"{live_server.url}/login/"))}
    sign_in(page, live_server, users[role])
    ids = {"customer": zhang.pk, "vehicle": Vehicle.objects.order_by("pk").first().pk, "activity": activity.pk}
    for path in PAGES:
        found[path] = audit(_open(page, live_server.url + path.format(**ids)))
    failing = {path: violations for path, violations in found.items() if violations}
    assert not failing, json.dumps(failing, ensure_ascii=False, indent=1)


def _open(page, url: str):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page
