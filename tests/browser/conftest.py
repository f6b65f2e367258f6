"""What the browser tests share: the system Chromium (never a downloaded one), a page whose
Content-Security-Policy refusals are recorded, and signing in."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

BROWSER_TESTS = [
    pytest.mark.browser,
    # live_server flushes the database after each test: keep the roles the migrations seeded
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH"),
]


@pytest.fixture
def browser(live_server):
    # live_server's database is used from Playwright's event loop thread
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, **context_options):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", **context_options)
    # CI runs the two databases' suites side by side on two cores: a pushed update (the desktop's list after a
    # pop) once took over 5 s there (CI 2026-11-28), so an element gets 10 s to appear
    context.set_default_timeout(10_000)
    # a page load may wait on a busy machine (the first request of a fresh server process imports the app)
    context.set_default_navigation_timeout(15000)
    page = context.new_page()
    # what the Content-Security-Policy blocked (Chromium reports each refusal on the console)
    page.csp_refusals = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.csp_refusals.append(message.text))
    return page


@pytest.fixture
def page(browser):
    return new_page(browser)


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/")
