"""Outbound call lists (issue 11, item 6): a follow-up list built from closed work orders and worked through
click-to-dial and the PBX's events, customers who may not be called skipped with the reason, retries, the calling
window, and who may make, see and work which lists, on whichever database the suite runs on."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from guanxi.contact_center import desktop_tools, outbound, tasks
from guanxi.contact_center.models import Agent, CallList, ContactEvent, QueuedContact
from guanxi.core import outbox
from guanxi.core.roles import Role
from guanxi.customers import services as customer_services
from guanxi.customers.models import Channel, Interaction
from guanxi.service.models import WorkOrder, WorkOrderStatus
from tests.contact_center.test_voice import make_agent, pbx

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
API = "/api/contact-center/call-lists"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def consent(users, customer, purpose="service", granted=True):
    return customer_services.record_consent(users[Role.ADMIN], customer.pk, {
        "channel": Channel.PHONE, "purpose": purpose, "granted": granted, "recorded_at": T0, "how": "phone call"})


def closed_work_order(org, customer, closed_at):
    car = customer.ownerships.get().vehicle
    return WorkOrder.objects.create(station=org["S-SH"], customer=customer, vehicle=car, mileage_km=12000,
                                    complaint="Brake noise", status=WorkOrderStatus.CLOSED, closed_at=closed_at)


def filter_list(user, name="Survey", **data):
    call_list, counts = outbound.create_list(user, {"name": name, "purpose": "service", "activate": True, **data},
                                             now=T0)
    return call_list, counts


def states(call_list):
    return {entry.customer.name: (entry.state, entry.skip_reason)
            for entry in call_list.entries.select_related("customer")}


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_follow_up_list_calls_owners_three_days_after_a_closed_work_order_not_one_day(users, customers, org):
    zhang, li = customers["zhang"], customers["li"]
    for customer in (zhang, li):
        consent(users, customer)
    closed_work_order(org, zhang, dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC))  # 3 days before T0
    closed_work_order(org, li, dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC))  # 1 day before

    call_list, counts = outbound.create_list(users[Role.SUPERVISOR], {
        "name": "回访 follow-up", "purpose": "service", "source": "rule", "rule": "follow_up"}, now=T0)
    assert (call_list.state, counts) == ("draft", {"added": 0, "skipped": 0})
    assert outbound.set_state(users[Role.SUPERVISOR], call_list.pk, "active", now=T0) == {"added": 1, "skipped": 0}
    entry = call_list.entries.get()
    assert (entry.customer_id, entry.state) == (zhang.pk, "pending")
    assert entry.reason.startswith("WO") and entry.reason.endswith("closed on 2026-11-20")

    # the daily job, two days on: Li's work order is three days old now; Zhang is not added twice
    assert outbound.run_rules(now=T0 + dt.timedelta(days=2)) == {"added": 1, "skipped": 0}
    assert states(call_list) == {"张伟": ("pending", ""), "李娜": ("pending", "")}
    assert outbound.run_rules(now=T0 + dt.timedelta(days=3)) == {"added": 0, "skipped": 0}
    assert tasks.build_call_lists.call_local() == {"added": 0, "skipped": 0}  # the worker's job, run today


def test_who_may_not_be_called_is_skipped_with_the_reason_when_added_and_again_when_dialled(users, customers, org):
    admin = users[Role.ADMIN]
    zhang, li, wang = customers["zhang"], customers["li"], customers["wang"]
    for customer in (zhang, li):
        consent(users, customer)
    consent(users, wang, "marketing")  # agreed to marketing calls only
    customer_services.set_opt_out(admin, li.contact_points.get(kind="phone").pk, True)
    no_phone = customer_services.create_customer(admin, {"name": "赵敏", "home_dealer_id": org["D-SH1"].pk})
    consent(users, no_phone)
    erased = customer_services.create_customer(admin, {"name": "钱多", "home_dealer_id": org["D-SH1"].pk},
                                               [{"kind": "phone", "value": "13600136000"}])
    consent(users, erased)
    customer_services.erase_customer(admin, erased.pk)

    call_list, counts = filter_list(users[Role.SUPERVISOR])
    assert counts == {"added": 1, "skipped": 4}
    assert states(call_list) == {"张伟": ("pending", ""), "李娜": ("skipped", "opted_out"),
                                 "王芳": ("skipped", "no_consent"), "赵敏": ("skipped", "no_phone"),
                                 customer_services.ERASED_NAME: ("skipped", "erased")}
    page = signed_in(users[Role.SUPERVISOR]).get(reverse("contact_center:call_list", args=[call_list.pk]))
    assert page.status_code == 200
    for reason in ("Opted out of calls (do not call)", "No consent to calls for this purpose", "No phone number",
                   "Personal data erased"):
        assert reason in page.content.decode()

    # Zhang withdraws consent after the list was made: checked again at dial time, skipped, nothing dialled
    make_agent(users[Role.AGENT], "8001")
    customer_services.change_consent(admin, zhang.consents.get().pk, {"granted": False})
    skipped = outbound.call_entry(users[Role.AGENT], call_list.entries.get(customer=zhang).pk, now=T0)
    assert (skipped.state, skipped.skip_reason, skipped.attempts) == ("skipped", "no_consent", 0)
    assert not QueuedContact.objects.exists()
    assert outbound.next_entry(users[Role.AGENT], call_list.pk, now=T0) is None


def test_preview_the_agent_calls_the_pbx_connects_and_the_outcome_lands_on_the_timeline(users, customers, settings):
    settings.GUANXI_CALLING_HOURS = (0, 24)  # the page calls now, whatever the hour the suite runs at
    zhang = customers["zhang"]
    consent(users, zhang)
    agent = make_agent(users[Role.AGENT], "8001")
    call_list, _counts = filter_list(users[Role.SUPERVISOR], name="Satisfaction", filters={"q": "张"})
    client = signed_in(users[Role.AGENT])
    work = reverse("contact_center:call_list_work", args=[call_list.pk])

    preview = client.get(work).content.decode()
    assert "张伟" in preview and ">Call<" in preview and ">Skip<" in preview
    entry = call_list.entries.get()
    assert client.post(reverse("contact_center:call_list_entry", args=[entry.pk, "call"])).status_code == 302
    entry.refresh_from_db()
    contact = entry.last_contact
    assert (entry.state, entry.attempts, entry.agent_id, contact.customer_id) == ("dialling", 1, agent.pk, zhang.pk)
    assert ContactEvent.objects.get(contact=contact, kind="dialled").data == {"purpose": "service"}
    assert ContactEvent.objects.get(contact=contact, kind="command").data["number"] == "+8613800138000"

    assert pbx("answered", contact.external_id, extension="8001")["state"] == "assigned"
    assert pbx("ended", contact.external_id)["state"] == "done"
    assert "Outcome" in client.get(work).content.decode()  # the call waits for what came of it
    assert [c.pk for c in desktop_tools.to_wrap_up(agent)] == [contact.pk]

    response = client.post(reverse("contact_center:call_list_entry", args=[entry.pk, "outcome"]),
                           {"outcome": "resolved", "notes": "Happy with the repair"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.outcome) == ("done", "resolved")
    timeline = Interaction.objects.get(customer=zhang)
    assert timeline.summary == "Outbound Satisfaction: Reached, resolved. Happy with the repair"
    assert timeline.user_id == users[Role.AGENT].pk
    assert desktop_tools.to_wrap_up(agent) == []  # the desktop does not ask for a second wrap-up
    assert "Nobody on this list is due" in client.get(work).content.decode()
    progress = outbound.progress(call_list)
    assert ("resolved", "Reached, resolved", 1) in progress["outcomes"] and ("done", "Done", 1) in progress["states"]


def test_no_answer_is_tried_again_after_the_wait_and_fails_after_the_last_attempt(users, customers):
    zhang = customers["zhang"]
    consent(users, zhang)
    agent_user = users[Role.AGENT]
    make_agent(agent_user, "8001")
    call_list, _counts = filter_list(users[Role.SUPERVISOR], filters={"q": "张"}, max_attempts=2, retry_minutes=60)
    entry = call_list.entries.get()

    outbound.call_entry(agent_user, entry.pk, now=T0)
    outbound.record_outcome(agent_user, entry.pk, "no_answer", now=T0 + dt.timedelta(minutes=1))
    entry.refresh_from_db()
    assert (entry.state, entry.attempts, entry.next_attempt_at) == ("pending", 1, T0 + dt.timedelta(minutes=61))
    assert Agent.objects.get(user=agent_user).state == Agent.State.AVAILABLE  # the line is free again
    assert outbound.next_entry(agent_user, call_list.pk, now=T0 + dt.timedelta(minutes=30)) is None
    with pytest.raises(ValidationError) as early:
        outbound.call_entry(agent_user, entry.pk, now=T0 + dt.timedelta(minutes=30))
    assert "to be called again from 2026-11-23 11:01" in early.value.messages[0]

    later = T0 + dt.timedelta(minutes=62)
    assert outbound.next_entry(agent_user, call_list.pk, now=later).pk == entry.pk
    outbound.call_entry(agent_user, entry.pk, now=later)
    outbound.record_outcome(agent_user, entry.pk, "busy", now=later)
    entry.refresh_from_db()
    assert (entry.state, entry.attempts, entry.outcome, entry.next_attempt_at) == ("failed", 2, "busy", None)
    assert QueuedContact.objects.filter(customer=zhang).count() == 2


def test_outside_the_calling_hours_the_call_is_refused_and_the_customer_stays_due(users, customers):
    consent(users, customers["zhang"])
    make_agent(users[Role.AGENT], "8001")
    call_list, _counts = filter_list(users[Role.SUPERVISOR], filters={"q": "张"})
    entry = call_list.entries.get()
    with pytest.raises(ValidationError) as late:
        outbound.call_entry(users[Role.AGENT], entry.pk, now=T0.replace(hour=14))  # 22:00 in Shanghai
    assert late.value.messages == ["It is outside the calling hours (9:00 to 21:00) where 张伟 lives"]
    entry.refresh_from_db()
    assert (entry.state, entry.attempts) == ("pending", 0)
    assert not QueuedContact.objects.exists()


def test_progressive_the_next_customer_is_dialled_when_the_agent_says_what_came_of_the_call(users, customers):
    zhang, wang = customers["zhang"], customers["wang"]
    for customer in (zhang, wang):
        consent(users, customer)
    agent_user = users[Role.AGENT]
    make_agent(agent_user, "8001")
    call_list, _counts = filter_list(users[Role.SUPERVISOR], mode="progressive", filters={"tier": "standard"})
    first = outbound.dial_next(agent_user, call_list.pk, now=T0)
    assert (first.customer_id, first.state) == (zhang.pk, "dialling")
    with pytest.raises(ValidationError):
        outbound.dial_next(agent_user, call_list.pk, now=T0)  # one call at a time

    wrapped = outbound.record_outcome(agent_user, first.pk, "do_not_call", now=T0)
    assert (wrapped.entry.state, wrapped.next_entry.customer_id, wrapped.next_entry.state) == \
        ("failed", wang.pk, "dialling")
    assert not zhang.contact_points.filter(kind="phone", opted_out=False).exists()  # asked not to be called
    assert outbound.record_outcome(agent_user, wrapped.next_entry.pk, "reached", now=T0).next_entry is None


def test_progressive_a_call_the_customer_ended_goes_on_to_the_next_once_its_outcome_is_said(users, customers):
    """The customer hangs up: the agent is in after-call work until they say what came of the call; saying it is
    the wrap-up, and the next customer due is dialled."""
    zhang, wang = customers["zhang"], customers["wang"]
    for customer in (zhang, wang):
        consent(users, customer)
    agent_user = users[Role.AGENT]
    agent = make_agent(agent_user, "8001")
    call_list, _counts = filter_list(users[Role.SUPERVISOR], mode="progressive", filters={"tier": "standard"})
    first = outbound.dial_next(agent_user, call_list.pk, now=T0)
    call_id = first.last_contact.external_id
    pbx("answered", call_id, extension="8001", at=T0.isoformat())
    pbx("ended", call_id, at=(T0 + dt.timedelta(minutes=3)).isoformat())
    agent.refresh_from_db()
    assert agent.state == Agent.State.AFTER_CALL_WORK
    wrapped = outbound.record_outcome(agent_user, first.pk, "reached", now=T0 + dt.timedelta(minutes=4))
    assert wrapped.next_refused == ""
    assert (wrapped.next_entry.customer_id, wrapped.next_entry.state) == (wang.pk, "dialling")


def test_a_dealer_user_builds_lists_only_over_its_own_customers(users, customers, org):
    for customer in customers.values():
        consent(users, customer)
    dealer = users[Role.DEALER_MANAGER]  # at D-SH1: Zhang is its customer
    call_list, counts = filter_list(dealer)
    assert (states(call_list), counts) == ({"张伟": ("pending", "")}, {"added": 1, "skipped": 0})
    with pytest.raises(ValidationError) as elsewhere:
        filter_list(dealer, filters={"home_dealer": str(org["D-GZ1"].pk)})
    assert "filters" in elsewhere.value.message_dict
    response = signed_in(dealer).post(API, {"name": "GZ", "purpose": "service",
                                            "filters": {"home_dealer": str(org["D-GZ1"].pk)}},
                                      content_type="application/json")
    assert response.status_code == 422 and "home_dealer" in response.content.decode()
    assert CallList.objects.count() == 1

    # a rule list of the dealer's takes the rule's customers in the dealer's reach only
    closed = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)
    closed_work_order(org, customers["zhang"], closed)
    closed_work_order(org, customers["li"], closed)
    rule_list, counts = outbound.create_list(dealer, {"name": "回访", "purpose": "service", "source": "rule",
                                                      "rule": "follow_up", "activate": True}, now=T0)
    assert (states(rule_list), counts) == ({"张伟": ("pending", "")}, {"added": 1, "skipped": 0})


def test_an_outcome_said_on_a_call_in_hand_frees_the_line_for_the_next_waiting_call(
        users, customers, settings, django_capture_on_commit_callbacks):
    settings.GUANXI_CALLING_HOURS = (0, 24)
    zhang = customers["zhang"]
    consent(users, zhang)
    agent = make_agent(users[Role.AGENT], "8001")
    call_list, _counts = filter_list(users[Role.SUPERVISOR], filters={"q": "张"})
    entry = outbound.call_entry(users[Role.AGENT], call_list.entries.get().pk)
    pbx("answered", entry.last_contact.external_id, extension="8001")
    waiting = pbx("offered", "in-1", caller="13912345678")  # the agent is on the list call: it waits
    assert waiting["action"] == "queue"
    with django_capture_on_commit_callbacks(execute=True):  # the PBX is told once the offer is committed
        outbound.record_outcome(users[Role.AGENT], entry.pk, "resolved")
    offered = QueuedContact.objects.get(external_id="in-1")
    assert (offered.state, offered.offered_to_id) == (QueuedContact.State.OFFERED, agent.pk)
    assert ContactEvent.objects.filter(contact=offered, kind="command", data__command="connect").exists()


def test_a_list_call_nobody_picked_up_is_recorded_as_no_answer_and_called_again_later(users, customers, settings):
    """The PBX ends a dialled list call the customer never answered: it goes back on the list for the retry
    instead of staying "dialling" until the agent remembers; an answered call still waits for the agent's word."""
    settings.GUANXI_CALLING_HOURS = (0, 24)
    for customer in (customers["zhang"], customers["li"]):
        consent(users, customer)
    make_agent(users[Role.AGENT], "8001")
    call_list, _counts = filter_list(users[Role.SUPERVISOR], filters={"q": ""}, retry_minutes=30)
    first, second = call_list.entries.filter(state="pending").order_by("pk")
    called = outbound.call_entry(users[Role.AGENT], first.pk)
    ended_at = timezone.now()
    pbx("ended", called.last_contact.external_id, at=ended_at.isoformat())
    outbox.dispatch()
    first.refresh_from_db()
    assert (first.state, first.outcome, first.attempts) == ("pending", "no_answer", 1)
    assert first.next_attempt_at == ended_at + dt.timedelta(minutes=30)
    assert "No answer" in first.last_contact.interaction.summary
    with pytest.raises(ValidationError) as late:  # the agent's own word, a moment after the PBX's
        outbound.record_outcome(users[Role.AGENT], first.pk, "no_answer")
    assert late.value.messages == ["The outcome of this call is recorded already: No answer."]
    called = outbound.call_entry(users[Role.AGENT], second.pk)
    pbx("answered", called.last_contact.external_id, extension="8001")
    pbx("ended", called.last_contact.external_id)
    outbox.dispatch()
    second.refresh_from_db()
    assert (second.state, second.outcome) == ("dialling", "")  # they spoke: the agent says what came of it


def test_bad_lists_are_refused_naming_the_field_and_nothing_is_kept(users, customers):
    supervisor = users[Role.SUPERVISOR]

    def refused(**data):
        with pytest.raises(ValidationError) as error:
            outbound.create_list(supervisor, {"name": "X", "purpose": "service", **data})
        return set(error.value.message_dict)

    assert refused(name="") == {"name"}
    assert refused(purpose="telemarketing") == {"purpose"}
    assert refused(max_attempts=11) == {"max_attempts"}
    assert refused(max_attempts=0) == {"max_attempts"}  # said, and wrong: not taken as "the default"
    assert refused(retry_minutes=1) == {"retry_minutes"}
    assert refused(source="rule") == {"rule"}
    assert refused(filters={"colour": "red"}) == {"filters"}
    assert refused(filters={"tier": "platinum"}) == {"filters"}
    assert not CallList.objects.exists()
    make_agent(users[Role.AGENT], "8001")
    with pytest.raises(ValidationError) as unknown:
        outbound.record_outcome(users[Role.AGENT], 1, "maybe")
    assert set(unknown.value.message_dict) == {"outcome"}


# what each role gets: the lists page, the supervisor's list (made at the call center), the dealer's list
# (made at D-SH1), activating the dealer's list, making a list through the API
ROLE_ANSWERS = {
    Role.ADMIN: (200, 200, 200, 302, 201),
    Role.SUPERVISOR: (200, 200, 200, 302, 201),
    Role.AGENT: (200, 200, 200, 403, 403),
    Role.DEALER_MANAGER: (200, 404, 200, 302, 201),
    "region_manager": (200, 404, 200, 302, 201),
    "other_dealer": (403, 404, 404, 403, 403),
    Role.DEALER_SALES: (403, 404, 404, 403, 403),
    Role.ANALYST: (403, 404, 404, 403, 403),
    Role.SERVICE_ADVISOR: (403, 404, 404, 403, 403),
    "no_role": (403, 404, 404, 403, 403),
}


@pytest.mark.parametrize("role", list(ROLE_ANSWERS))
def test_call_list_pages_and_endpoints_answer_what_the_role_and_scope_allow(role, users, customers, settings):
    settings.GUANXI_CALLING_HOURS = (0, 24)  # the pages and endpoints call now, whatever the hour
    for customer in customers.values():
        consent(users, customer)
    center_list, _counts = filter_list(users[Role.SUPERVISOR], name="Center")
    dealer_list, _counts = outbound.create_list(users[Role.DEALER_MANAGER], {"name": "Dealer", "purpose": "service"})
    user = users[role]
    client = signed_in(user)
    answers = (
        client.get(reverse("contact_center:call_lists")).status_code,
        client.get(reverse("contact_center:call_list", args=[center_list.pk])).status_code,
        client.get(reverse("contact_center:call_list", args=[dealer_list.pk])).status_code,
        client.post(reverse("contact_center:call_list_step", args=[dealer_list.pk, "activate"])).status_code,
        client.post(API, {"name": "Mine", "purpose": "survey"}, content_type="application/json").status_code,
    )
    assert answers == ROLE_ANSWERS[role]
    dealer_list.refresh_from_db()
    assert dealer_list.state == ("active" if answers[3] == 302 else "draft")

    # working a list: only on the roster, and only the lists and customers in reach
    entry = center_list.entries.get(customer=customers["wang"])
    work = reverse("contact_center:call_list_work", args=[center_list.pk])
    call = reverse("contact_center:call_list_entry", args=[entry.pk, "call"])
    assert client.get(work).status_code in (403, 404)  # nobody here is on the roster yet
    assert client.get(f"{API}/{center_list.pk}/next").status_code in (403, 404)
    make_agent(user, "8001")
    sees_center = answers[1] == 200
    assert client.get(work).status_code == (200 if sees_center else 404)
    next_answer = client.get(f"{API}/{center_list.pk}/next")
    assert next_answer.status_code == (200 if sees_center else 404)
    listed = client.get(f"{API}/{center_list.pk}/entries")
    assert listed.status_code == (200 if sees_center else 404)
    if sees_center:
        assert {row["customer"] for row in listed.json()} == {"张伟", "李娜", "王芳"}
    response = client.post(call)
    assert response.status_code == (302 if sees_center else 404)
    entry.refresh_from_db()
    assert entry.state == ("dialling" if sees_center else "pending")
    outcome = client.post(f"{API}/entries/{entry.pk}/outcome", {"outcome": "resolved"},
                          content_type="application/json")
    assert outcome.status_code == (200 if sees_center else 422)
    skip = client.post(f"{API}/entries/{center_list.entries.get(customer=customers['li']).pk}/skip")
    assert skip.status_code == (200 if sees_center else 404)
    dialled = client.post(f"{API}/{center_list.pk}/next")
    assert dialled.status_code == (200 if sees_center else 404)
    if sees_center:
        assert dialled.json()["customer"] == "张伟" and dialled.json()["state"] == "dialling"
    assert client.post(f"{API}/entries/{entry.pk}/call").status_code == (422 if sees_center else 404)


def test_a_supervisor_makes_a_list_on_its_page_from_the_customer_list_s_filter(users, customers, org):
    for customer in customers.values():
        consent(users, customer)
    client = signed_in(users[Role.SUPERVISOR])
    page = reverse("contact_center:call_lists")
    form = {"name": "上海回访", "purpose": "service", "mode": "preview", "source": "filter", "rule": "",
            "max_attempts": "3", "retry_minutes": "120", "filter-home_dealer": str(org["D-SH2"].pk)}
    made = client.post(page, form)
    call_list = CallList.objects.get()
    assert made.status_code == 302 and made.url == reverse("contact_center:call_list", args=[call_list.pk])
    assert (call_list.filters, call_list.state, states(call_list)) == (
        {"home_dealer": str(org["D-SH2"].pk)}, "draft", {"李娜": ("pending", "")})
    refused = client.post(page, {**form, "source": "rule"})  # a rule list names its rule
    assert refused.status_code == 200 and "Choose the rule that fills the list" in refused.content.decode()
    assert "上海回访" in client.get(page).content.decode()
    assert client.post(reverse("contact_center:call_list_step", args=[call_list.pk, "activate"])).status_code == 302
    call_list.refresh_from_db()
    assert call_list.state == "active"

    make_agent(users[Role.AGENT], "8001")
    agent = signed_in(users[Role.AGENT])
    desktop = agent.get(reverse("contact_center:desktop")).content.decode()
    assert reverse("contact_center:call_lists") in desktop and "My call lists" in desktop
    assert agent.post(page, form).status_code == 403  # agents work lists, they do not make them
