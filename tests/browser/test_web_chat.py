"""A web chat between two browsers (issue 11, item 2): a visitor on the demo page writes in the widget, the
agent's desktop pops the contact (an unknown party who says they are 张伟), the agent accepts, confirms who they
are and replies, the visitor reads the reply (after a reload
too), and once the agent completes the contact the visitor is told and the conversation is on the customer's
timeline.

The pages come from the live server (WSGI) and both WebSockets from guanxi.asgi in Granian's embedded server on
another port, as `guanxi serve` runs them (tests/browser/test_agent_desktop.py's fixture).
"""

import urllib.request

import pytest

from guanxi.contact_center.models import Agent, Message, QueuedContact
from guanxi.core.roles import Role
from guanxi.customers.models import Channel, Direction, Interaction
from tests.browser.conftest import ARTIFACTS, BROWSER_TESTS, new_page, sign_in
from tests.browser.test_agent_desktop import socket_server  # noqa: F401  (the fixture, used by name)

pytestmark = [*BROWSER_TESTS, pytest.mark.usefixtures("socket_server")]


def test_a_visitor_s_chat_is_routed_answered_and_ended_by_an_agent_and_kept_on_the_timeline(
        browser, page, live_server, users, customers):
    # the server's first page imports every app's views and loads the catalogues: seconds on a busy machine, which
    # must not count against the browser's per-step timeout
    urllib.request.urlopen(f"{live_server.url}/login/", timeout=60).close()
    Agent.objects.create(user=users[Role.AGENT], state=Agent.State.AVAILABLE, capacity={"chat": 2})
    sign_in(page, live_server, users[Role.AGENT])
    page.goto(f"{live_server.url}/contact-center/desktop/")
    page.wait_for_function("() => { const l = document.getElementById('desktop-link');"
                           " return l.textContent === l.dataset.online; }")

    visitor = new_page(browser)  # another browser context: no cookie of the agent's
    visitor.goto(f"{live_server.url}/chat-demo/")
    visitor.click(".gx-chat-button")
    visitor.fill(".gx-chat-who input[name=name]", "张先生")
    visitor.fill(".gx-chat-who input[name=phone]", "138 0013 8000")
    visitor.click(".gx-chat-who button[type=submit]")
    visitor.fill(".gx-chat-say textarea", "车灯亮了怎么办？")
    visitor.press(".gx-chat-say textarea", "Enter")
    visitor.locator(".gx-chat-visitor .gx-chat-text", has_text="车灯亮了怎么办？").wait_for()
    visitor.locator(".gx-chat-status", has_text="正在为您安排客服").wait_for()

    # the pop: an unknown party who says they are the customer the phone names (anybody could type it)
    page.locator(".desktop-card [data-claimed]", has_text="张伟").wait_for()
    contact = QueuedContact.objects.get(channel="chat")
    assert contact.customer_id is None
    page.click(f"#desktop-contacts [data-contact='{contact.pk}'] button.btn-primary")  # accept
    visitor.locator(".gx-chat-notice", has_text="客服已接入").wait_for()
    # the card pops again once answered (with the tools of a contact in hand): confirm on that one
    page.locator(f"#desktop-answer-{contact.pk}").wait_for(state="attached")
    page.click(".desktop-card [data-claimed] button")  # asked what only 张伟 would know: confirmed
    page.locator(".desktop-card h2", has_text="张伟").wait_for()
    reply = page.locator(f"#conversation-{contact.pk} textarea[name=body]")
    reply.fill("请尽快到店检查，我们为您预约。")
    page.click(f"#conversation-{contact.pk} button[type=submit]")
    visitor.locator(".gx-chat-agent .gx-chat-text", has_text="请尽快到店检查").wait_for()
    visitor.screenshot(path=str(ARTIFACTS / "web-chat-visitor.png"))
    page.screenshot(path=str(ARTIFACTS / "web-chat-desktop.png"), full_page=True)

    visitor.reload()  # the token kept in the browser continues the conversation
    visitor.click(".gx-chat-button")
    visitor.locator(".gx-chat-agent .gx-chat-text", has_text="请尽快到店检查").wait_for()
    visitor.fill(".gx-chat-say textarea", "好的，明天上午可以吗？")
    visitor.press(".gx-chat-say textarea", "Enter")
    page.locator(f"#thread-{contact.pk}", has_text="明天上午").wait_for()  # the desktop's thread reloads itself
    refusals = visitor.csp_refusals
    visitor.close()  # the visitor leaves: the thread on screen says so by itself, and keeps every message
    page.locator(f"#thread-{contact.pk} .desktop-presence").wait_for()
    assert page.locator(f"#thread-{contact.pk}", has_text="请尽快到店检查").count() == 1
    assert page.locator(f"#thread-{contact.pk}", has_text="明天上午").count() == 1
    visitor = visitor.context.new_page()  # and comes back: the note goes
    visitor.csp_refusals = refusals
    visitor.on("console", lambda message: "Content Security Policy" in message.text and refusals.append(message.text))
    visitor.goto(f"{live_server.url}/chat-demo/")
    visitor.click(".gx-chat-button")
    visitor.locator(".gx-chat-agent .gx-chat-text", has_text="请尽快到店检查").wait_for()
    page.locator(f"#thread-{contact.pk} .desktop-presence").wait_for(state="detached")

    page.select_option(f"[data-contact='{contact.pk}'] select[name=wrap_up]", "information")
    page.click(f"#desktop-contacts [data-contact='{contact.pk}'] button[type=submit]")
    visitor.locator(".gx-chat-notice", has_text="客服已结束本次会话").wait_for()
    assert not visitor.csp_refusals and not page.csp_refusals

    assert list(Message.objects.filter(contact=contact).values_list("direction", flat=True)) == ["in", "out", "in"]
    timeline = Interaction.objects.filter(customer=customers["zhang"], channel=Channel.CHAT)
    answered = timeline.get(direction=Direction.INBOUND)  # the contact, with what came of it
    assert answered.pk == QueuedContact.objects.get(pk=contact.pk).interaction_id and answered.summary
    assert timeline.get(direction=Direction.OUTBOUND).summary == "请尽快到店检查，我们为您预约。"
