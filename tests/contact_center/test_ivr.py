"""The voice menu (issue 11, item 7): a menu tree a supervisor saves on its page, run through the PBX's signed
DTMF events, into queues with skills or to standard answers from the knowledge base, every path kept so that
containment can be reported."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from guanxi.contact_center import ivr
from guanxi.contact_center.models import Agent, IvrSession, QueuedContact
from guanxi.core.roles import Role
from guanxi.customers.models import Customer, Tier
from tests.contact_center.test_voice import _in_english, make_agent, pbx  # noqa: F401 (the fixture)
from tests.knowledge.articles import make_articles

URL = "/contact-center/ivr/"


def menu(tyres_id: int, **top) -> dict:
    return {"enabled": True, "skip_tiers": ["vip"], "max_retries": 1, **top, "menu": {
        "prompt": "购车请按1，维修保养请按2，人工服务请按0", "default": "0",
        "options": {
            "1": {"label": "Sales", "queue": "sales"},
            "2": {"label": "Service", "menu": {"prompt": "胎压请按1，预约保养请按2", "options": {
                "1": {"label": "Tyre pressure", "article": tyres_id},
                "2": {"label": "Book a service", "queue": "service"}}}},
            "0": {"label": "An agent", "queue": ""}}}}


@pytest.fixture
def floor(users, customers):
    """Two agents on duty, one for sales and one for service; the published standard answers."""
    sales = make_agent(users[Role.AGENT], "8001", skills={"sales": 3})
    service = make_agent(users[Role.SUPERVISOR], "8002", skills={"service": 4})
    return {"sales": sales, "service": service, "articles": make_articles()}


@pytest.fixture
def saved(floor, users):
    return ivr.save_menu(users[Role.SUPERVISOR], menu(floor["articles"]["tyres"].pk), "first menu")


def test_a_caller_walks_the_menu_to_the_skill_they_chose_and_rings_that_agent(saved, floor, customers):
    answer = pbx("offered", "m-1", caller="138 0013 8000")  # 张伟, standard tier: the menu first
    assert (answer["action"], answer["state"], answer["contact_id"]) == ("menu", "ivr", None)
    assert answer["options"] == {"1": "Sales", "2": "Service", "0": "An agent"}
    assert answer["customer_id"] == customers["zhang"].pk
    assert not QueuedContact.objects.exists()  # no queue, no agent, while the caller chooses

    sub = pbx("dtmf", "m-1", digits="2")
    assert sub["action"] == "menu" and sub["prompt"] == "胎压请按1，预约保养请按2"
    routed = pbx("dtmf", "m-1", digits="2")
    assert (routed["action"], routed["extension"]) == ("connect", "8002")  # the service agent, not sales
    contact = QueuedContact.objects.get(external_id="m-1")
    assert contact.requirement == {"skills": {"service": 1}} and contact.customer_id == customers["zhang"].pk
    session = IvrSession.objects.get(call_id="m-1")
    assert (session.outcome, session.contact_id) == (IvrSession.Outcome.QUEUED, contact.pk)
    assert [step["step"] for step in session.path] == ["menu", "menu", "queue"]
    # from here it is an ordinary call: answered, ended, the agent in after-call work
    pbx("answered", "m-1", extension="8002")
    assert pbx("ended", "m-1")["action"] == "hangup"
    assert Agent.objects.get(pk=floor["service"].pk).state == Agent.State.AFTER_CALL_WORK


def test_a_standard_answer_is_read_out_and_a_caller_who_then_hangs_up_is_contained(saved, floor):
    tyres = floor["articles"]["tyres"]
    pbx("offered", "m-2", caller="13912345678")  # nobody's number: an unknown party meets the menu too
    played = pbx("dtmf", "m-2", digits="21")  # two keys in one event: Service, then Tyre pressure
    assert (played["action"], played["title"]) == ("play", tyres.title)
    assert played["text"] == tyres.answer and played["prompt"] == "胎压请按1，预约保养请按2"  # then the same menu
    tyres.refresh_from_db()
    assert tyres.uses == 1  # the answer was given out
    assert pbx("ended", "m-2")["action"] == "hangup"
    session = IvrSession.objects.get(call_id="m-2")
    assert session.outcome == IvrSession.Outcome.CONTAINED and session.ended_at is not None
    assert not QueuedContact.objects.filter(external_id="m-2").exists()


def test_wrong_and_missing_keys_reprompt_then_take_the_default_and_a_vip_skips_the_menu(saved, floor, customers):
    pbx("offered", "m-3", caller="13912345678")
    again = pbx("dtmf", "m-3", digits="7")  # no key 7: read the menu again (one retry allowed)
    assert again["action"] == "menu" and again["reprompt"] is True
    defaulted = pbx("no_input", "m-3")  # nothing pressed: past the retries, the default (0, any agent)
    assert defaulted["action"] == "connect" and defaulted["extension"] in ("8001", "8002")
    assert [step["step"] for step in IvrSession.objects.get(call_id="m-3").path] == ["menu", "retry", "default",
                                                                                     "queue"]

    Customer.objects.filter(pk=customers["li"].pk).update(tier=Tier.VIP)
    vip = pbx("offered", "m-4", caller="13900139000")  # 李娜 is a VIP now: a person at once
    assert vip["action"] in ("connect", "queue") and vip["tier"] == "vip"
    assert not IvrSession.objects.filter(call_id="m-4").exists()


def test_a_pbx_that_chose_the_skill_itself_or_retries_offered_is_not_sent_round_the_menu_again(saved, floor):
    assert pbx("offered", "m-5", caller="13912345678", skill="sales")["extension"] == "8001"
    first = pbx("offered", "m-6", caller="13912345678")
    pbx("dtmf", "m-6", digits="2")
    retried = pbx("offered", "m-6", caller="13912345678")  # the PBX's retry: where the caller is, not the top
    assert retried["action"] == "menu" and retried["options"] == {"1": "Tyre pressure", "2": "Book a service"}
    assert first["options"] != retried["options"]
    assert pbx("ended", "m-6")["action"] == "hangup"
    assert IvrSession.objects.get(call_id="m-6").outcome == IvrSession.Outcome.ABANDONED
    again = pbx("offered", "m-6", caller="13912345678")  # offered again after the caller hung up: not the menu
    assert again["action"] == "hangup" and not QueuedContact.objects.filter(external_id="m-6").exists()


def test_containment_and_the_keys_callers_press_are_reported(saved, floor):
    for call, keys in (("r-1", ["21"]), ("r-2", ["21"]), ("r-3", ["1"]), ("r-4", [])):
        pbx("offered", call, caller="13912345678")
        for digits in keys:
            pbx("dtmf", call, digits=digits)
        if call != "r-3":
            pbx("ended", call)
    figures = ivr.figures(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    assert figures["calls"] == 4
    assert figures["outcomes"] == {"in_menu": 0, "queued": 1, "contained": 2, "abandoned": 1}
    assert figures["containment"] == pytest.approx(2 / 4)
    assert figures["keys"][:2] == [{"node": "", "key": "2", "calls": 2}, {"node": "2", "key": "1", "calls": 2}]
    assert ivr.key_labels(saved.data)[("2", "1")] == "Service › Tyre pressure"


@pytest.mark.parametrize("change, where", [
    (lambda m: m["menu"]["options"]["1"].update(queue="warranty"), "menu.options.1.queue"),  # nobody has it
    (lambda m: m["menu"]["options"]["2"]["menu"]["options"]["1"].update(article=999_999), "options.1.article"),
    (lambda m: m["menu"]["options"].update({"A": {"label": "x", "queue": ""}}), "menu.options.A"),
    (lambda m: m["menu"]["options"]["0"].update(menu={"prompt": "p", "options": {}}), "menu.options.0"),
    (lambda m: m["menu"].update(default="9"), "menu.default"),
    (lambda m: m["menu"].update(default=["0"]), "menu.default"),  # not a key at all: a form error, not a 500
    (lambda m: m.update(skip_tiers=["platinum"]), "skip_tiers"),
    (lambda m: m.update(max_retries=99), "max_retries"),
    (lambda m: m["menu"].update(prompt=" "), "menu.prompt"),
])
def test_a_menu_with_a_key_that_leads_nowhere_is_refused_at_save_naming_the_place(floor, users, change, where):
    data = menu(floor["articles"]["tyres"].pk)
    change(data)
    with pytest.raises(ValidationError) as error:
        ivr.save_menu(users[Role.SUPERVISOR], data)
    assert where in error.value.message_dict["menu"][0]


def test_a_draft_or_non_standard_article_is_no_answer_for_the_menu(floor, users):
    for key in ("draft", "brakes"):  # a draft standard one; a published one not flagged standard
        with pytest.raises(ValidationError, match="is not a published standard question"):
            ivr.save_menu(users[Role.SUPERVISOR], menu(floor["articles"][key].pk))


def test_supervisors_edit_the_menu_on_its_page_and_agents_may_not(floor, users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[Role.SUPERVISOR])
    empty = client.get(URL)
    assert empty.status_code == 200 and "No voice menu" in empty.content.decode()
    refused = client.post(URL, {"menu": json.dumps({"enabled": True, "menu": {}}), "note": ""})
    assert refused.status_code == 200
    assert "menu.prompt: must be a text of 1 to 1000 characters" in refused.content.decode()
    saved = client.post(URL, {"menu": json.dumps(menu(floor["articles"]["tyres"].pk)), "note": "launch"})
    assert saved.status_code == 302
    page = client.get(URL).content.decode()
    assert "Tyre pressure" in page and "launch" in page and "queue “sales”" in page


def test_the_menu_page_is_for_supervisors_and_administrators(client, users):
    for key, user in users.items():
        client.force_login(user)
        allowed = key in (Role.ADMIN, Role.SUPERVISOR)
        assert client.get(URL).status_code == (200 if allowed else 403), key
        assert (URL in client.get(reverse("home")).content.decode()) == allowed, key  # the menu entry
        saved = client.post(URL, {"menu": json.dumps({"enabled": False}), "note": ""})
        assert saved.status_code == (302 if allowed else 403), key
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response.url


def test_turning_the_menu_off_routes_calls_at_once(saved, floor, users):
    ivr.save_menu(users[Role.SUPERVISOR], {"enabled": False}, "off for the holiday")
    assert pbx("offered", "m-9", caller="13912345678")["action"] == "connect"
