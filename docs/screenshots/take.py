"""Takes the screenshots in this folder from a running demo (`guanxi demo`), in zh-Hans and English.

    python docs/screenshots/take.py [--url http://127.0.0.1:8000] [--only ticket]

Uses the system Chromium (never downloads a browser). Each role's pages are taken as that demo
login; the phone-width pages at 390 px. The agent desktop is taken with a call on it: a signed PBX
event (the secret from `guanxi manage webhook_secret cti`, run with the demo's GUANXI_DATA_DIR).
"""

import argparse
import hashlib
import hmac
import json
import re
import shutil
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PASSWORD = "guanxi-demo"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# (file name, demo login or None for a public page, path; "{customer}" is a customer the login may see,
# "{at_risk}" the first of the login's retention list, "{lead}" the first lead waiting for the login's
# dealer, "{deal}" the login's first deal in negotiation, "{order}" its latest order, "{ticket}" its
# first open ticket, "{work_order}" its latest one paid by a contract, "{survey}" the latest
# follow-up still to be asked, "{dashboard}" the first dashboard listed (PLACEHOLDERS);
# optionally what is then typed into the search box, to show its suggestions)
SHOTS = [
    ("home-dealer-sales", "dealer_sales", "/"),
    ("home-agent", "agent", "/"),
    ("home-service-advisor", "service_advisor", "/"),
    ("home-supervisor", "supervisor", "/"),
    ("home-marketing", "hq_marketing", "/"),
    ("my-day", "dealer_sales", "/customers/my-day/"),
    ("customer-360", "dealer_sales", "/customers/{customer}/"),
    ("customer-360-scores", "dealer_manager", "/customers/{at_risk}/"),
    ("retention-list", "hq_marketing", "/analytics/retention/"),
    ("dashboards", "analyst", "/analytics/dashboards/{dashboard}/"),
    ("leads-head-office", "hq_sales", "/sales/leads/"),
    ("lead-dealer", "dealer_sales", "/sales/leads/{lead}/"),
    ("lead-distribution", "hq_sales", "/sales/rules/"),
    ("lost-reasons", "hq_sales", "/sales/lost-reasons/"),
    ("funnel-head-office", "hq_sales", "/sales/funnel/"),
    ("funnel-dealer", "dealer_sales", "/sales/funnel/"),
    ("dealer-league", "hq_sales", "/sales/league/"),
    ("opportunity-dealer", "dealer_sales", "/sales/opportunities/{deal}/"),
    ("order-dealer", "dealer_sales", "/sales/orders/{order}/"),
    ("enquiry-form", None, "/sales/enquiry/"),
    ("tickets-service-advisor", "service_advisor", "/service/tickets/"),
    ("ticket-service-advisor", "service_advisor", "/service/tickets/{ticket}/"),
    ("service-levels", "supervisor", "/service/service-levels/?by=unit"),
    ("wallboard", "supervisor", "/contact-center/wallboard/"),
    ("staffing", "supervisor", "/contact-center/staffing/"),
    ("contact-center-kpis", "supervisor", "/contact-center/kpis/"),
    ("voice-menu", "supervisor", "/contact-center/ivr/"),
    ("work-order-service-advisor", "service_advisor", "/service/work-orders/{work_order}/"),
    ("survey-agent", "agent", "/service/surveys/{survey}/"),
    ("service-reports", "supervisor", "/service/reports/"),
    ("day-calendar", "service_advisor", "/service/day-calendar/"),
    ("free-slots", "agent", "/service/free-slots/"),
    ("knowledge-search", "agent", "/knowledge/?q=刹车异响"),
    ("knowledge-help", None, "/knowledge/help/?q=保养"),
    ("stage-change", "dealer_sales", "/customers/{customer}/stage/"),
    ("search-pinyin", "agent", "/customers/search/?q=wang"),
    ("search-phone-tail", "agent", "/customers/search/?q=9983"),
    ("search-typeahead", "agent", "/", "zhangw"),
    ("error-404", "dealer_sales", "/customers/999999999/"),
]
PHONE_SHOTS = [
    ("phone-my-day", "dealer_sales", "/customers/my-day/"),
    ("phone-360", "dealer_sales", "/customers/{customer}/"),
]
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
LOCALES = {"zh": "zh-CN", "en": "en-US"}


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card button[type=submit]")
    page.wait_for_load_state("networkidle")


def a_customer(page, url: str) -> str:
    """The first customer of the login's list that has open activities, or the first one."""
    page.goto(f"{url}/customers/my-day/")
    link = page.locator(".activity-meta a").first
    if link.count():
        return link.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
    page.goto(f"{url}/customers/")
    return page.locator("#object-list tbody a").first.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]


def first_in_list(page, url: str, path: str) -> str:
    """The id of the first record a list page links to."""
    page.goto(url + path)
    return page.locator("#object-list tbody a").first.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]


# placeholder -> the list whose first record it stands for
PLACEHOLDERS = {
    "at_risk": "/analytics/retention/",
    "dashboard": "/analytics/dashboards/",
    "lead": "/sales/leads/?status=assigned",
    "deal": "/sales/opportunities/?stage=negotiation",
    "order": "/sales/orders/",
    "ticket": "/service/tickets/?open=true",
    "work_order": "/service/work-orders/?status=closed&billing=contract",
    "survey": "/service/surveys/?state=scheduled",
}


def call_event(url: str, event: dict) -> dict:
    """What a PBX posts (docs/contact-center-channels.md)."""
    secret = subprocess.run(["guanxi", "manage", "webhook_secret", "cti"], capture_output=True, text=True,
                            check=True).stdout.strip()
    body, stamp, nonce = json.dumps(event).encode(), str(int(time.time())), uuid.uuid4().hex
    digest = hmac.new(secret.encode(), f"{stamp}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"{url}/api/contact-center/cti/events", data=body, headers={
        "Content-Type": "application/json", "X-Guanxi-Timestamp": stamp, "X-Guanxi-Nonce": nonce,
        "X-Guanxi-Signature": digest})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def live_desktop(page, url: str) -> str:
    """The demo agent signed in on a live desktop; the phone number of a customer the agent may see."""
    sign_in(page, url, "agent")
    page.goto(f"{url}/customers/{a_customer(page, url)}/")
    phone = next(text for text in page.locator(".contact-value").all_inner_texts()
                 if re.fullmatch(r"\+?[0-9][0-9 -]{6,}", text.strip()))
    page.goto(f"{url}/contact-center/desktop/")
    page.wait_for_function("() => { const l = document.getElementById('desktop-link');"
                           " return l.textContent === l.dataset.online; }")
    return phone


def agent_desktop(page, url: str, language: str) -> None:
    """The demo agent's desktop the moment a customer's call is routed to it (the screen pop)."""
    phone = live_desktop(page, url)
    call = f"screenshot-{language}-{uuid.uuid4().hex[:8]}"
    call_event(url, {"event": "offered", "call_id": call, "caller": phone})
    page.wait_for_selector(".desktop-card h2 a")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(HERE / f"agent-desktop-{language}.png"), full_page=True)
    call_event(url, {"event": "ended", "call_id": call})


CHAT_SHOTS = ("chat-says-they-are", "chat-visitor-left")


def chat_claim(browser, url: str, language: str) -> None:
    """The agent's card for a web chat whose visitor typed a customer's phone number: an unknown party who
    "says they are" that customer, for the agent to check and confirm; then the same chat once the visitor
    closed the page (the conversation says so)."""
    page = browser.new_context(locale=LOCALES[language], viewport=DESKTOP).new_page()
    phone = live_desktop(page, url)
    visitor = browser.new_context(locale=LOCALES[language]).new_page()
    visitor.goto(f"{url}/chat-demo/")
    visitor.click(".gx-chat-button")
    visitor.fill(".gx-chat-who input[name=name]", "张先生" if language == "zh" else "Mr Zhang")
    visitor.fill(".gx-chat-who input[name=phone]", phone)
    visitor.click(".gx-chat-who button[type=submit]")
    question = "车灯亮了怎么办？" if language == "zh" else "A warning light is on. What now?"
    visitor.fill(".gx-chat-say textarea", question)
    visitor.press(".gx-chat-say textarea", "Enter")
    page.locator(".desktop-card [data-claimed]").wait_for()
    contact = page.locator("#desktop-contacts [data-contact]").first.get_attribute("data-contact")
    page.click(f"#desktop-contacts [data-contact='{contact}'] button.btn-primary")  # accept: the card with the tools
    page.locator(f"#desktop-answer-{contact}").wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the articles and the conversation load into the card
    page.screenshot(path=str(HERE / f"chat-says-they-are-{language}.png"), full_page=True)
    visitor.context.close()  # the visitor leaves; the conversation on screen says so
    page.locator(f"#conversation-{contact} .desktop-presence").wait_for()
    page.screenshot(path=str(HERE / f"chat-visitor-left-{language}.png"), full_page=True)
    page.select_option(f"[data-contact='{contact}'] select[name=wrap_up]", "information")
    page.click(f"#desktop-contacts [data-contact='{contact}'] button[type=submit]")  # done: the desk is free again
    page.context.close()
    print(f"chat-says-they-are-{language}.png, chat-visitor-left-{language}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--only", default="", help="take only the shots whose name starts with this")
    arguments = parser.parse_args()
    url = arguments.url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for language, locale in LOCALES.items():
            for shots, viewport in ((SHOTS, DESKTOP), (PHONE_SHOTS, PHONE)):
                for name, username, path, *typed in shots:
                    if not name.startswith(arguments.only):
                        continue
                    context = browser.new_context(locale=locale, viewport=viewport)
                    page = context.new_page()
                    if username:
                        sign_in(page, url, username)
                    if "{customer}" in path:
                        path = path.format(customer=a_customer(page, url))
                    for placeholder, list_path in PLACEHOLDERS.items():
                        if f"{{{placeholder}}}" in path:
                            path = path.format(**{placeholder: first_in_list(page, url, list_path)})
                    page.goto(url + path)
                    page.wait_for_load_state("networkidle")
                    if typed:
                        page.type(".global-search input[name=q]", typed[0], delay=60)
                        page.wait_for_selector("#search-suggestions .suggestions")
                    page.screenshot(path=str(HERE / f"{name}-{language}.png"), full_page=viewport is DESKTOP)
                    context.close()
                    print(f"{name}-{language}.png")
            if "agent-desktop".startswith(arguments.only):
                context = browser.new_context(locale=locale, viewport=DESKTOP)
                agent_desktop(context.new_page(), url, language)
                context.close()
                print(f"agent-desktop-{language}.png")
            if any(name.startswith(arguments.only) for name in CHAT_SHOTS):
                chat_claim(browser, url, language)
        browser.close()


if __name__ == "__main__":
    main()
