"""A dealer salesperson's first minute, in a real headless Chromium: log in, filter the customer
list (htmx), search a caller's phone number, land on the 360 page, switch the UI to English.

Uses the system Chromium (never downloads a browser); skipped when none is installed.
"""

import os
import shutil
from pathlib import Path

import pytest

from guanxi.core.roles import Role
from tests.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    # live_server flushes the database after each test: keep the roles the migrations seeded
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH"),
]


@pytest.fixture
def page(live_server):
    # live_server's database is used from Playwright's event loop thread
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        context.set_default_timeout(5000)
        page = context.new_page()
        # what the Content-Security-Policy blocked (Chromium reports each refusal on the console)
        page.csp_refusals = []
        page.on("console", lambda message: "Content Security Policy" in message.text
                and page.csp_refusals.append(message.text))
        yield page
        browser.close()


def test_dealer_finds_a_caller_by_phone_and_reads_the_360_page(page, live_server, users, customers):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", users[Role.DEALER_SALES].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/")
    assert "script-src 'self'" in page.evaluate("() => fetch('/').then(r => r.headers.get('content-security-policy'))")
    widest = page.locator(".bar-list .bar").first  # the home page's stage bars, sized by core/guanxi.js
    assert widest.evaluate("bar => bar.getBoundingClientRect().width") > 0

    page.goto(f"{live_server.url}/customers/")
    assert page.locator("#object-list tbody tr").count() == 1
    page.fill(".filters input[name=q]", "李")  # htmx swaps the results in place
    page.wait_for_url("**/customers/?q=*")
    page.locator("#object-list", has_text="没有符合条件的客户").wait_for()

    page.fill(".global-search input[name=q]", "138 0013 8000")
    page.press(".global-search input[name=q]", "Enter")
    page.wait_for_url(f"{live_server.url}/customers/{customers['zhang'].pk}/")

    assert page.locator("h1").first.inner_text().startswith("张伟")
    assert page.locator(".plate", has_text="沪A12345").count() == 1
    assert page.locator(".contact-value", has_text="138 0013 8000").count() == 1
    assert page.get_by_role("heading", name="联系方式", exact=True).count() == 1  # the card (the menu has it too)

    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Contact points", exact=True).count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dealer-360-en.png"), full_page=True)
    assert page.csp_refusals == []


def test_the_staffing_chart_draws_under_the_content_security_policy(page, live_server, users):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", users[Role.SUPERVISOR].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/contact-center/staffing/")
    page.locator("#staffing-chart svg path").first.wait_for(state="attached")  # drawn by ECharts (SVG)
    assert page.locator("#staffing-chart svg path").count() > 10
    assert page.csp_refusals == []


def test_on_a_390_px_phone_nothing_is_pushed_off_the_screen(page, live_server, users, customers):
    """The top bar once made the page 527 px wide with log-out off screen (issue 7)."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", users[Role.DEALER_SALES].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/")
    for path in ("/", "/customers/", f"/customers/{customers['zhang'].pk}/"):
        page.goto(live_server.url + path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
        log_out = page.locator("form[action='/logout/'] button").bounding_box()
        assert log_out["x"] + log_out["width"] <= 390, path
    assert page.csp_refusals == []
