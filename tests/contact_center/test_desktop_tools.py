"""The agent desktop's tools (issue 11, item 3), each through the real views and services: the script and the
suggested articles from the knowledge base, wrap-up codes on Done, a lead, ticket or activity made from the
contact, transfer to a colleague or a queue, and consult; each only for the agent's own contact in hand and
within what the agent may see and do."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from guanxi.contact_center import voice
from guanxi.contact_center.models import Agent, ContactEvent, QueuedContact
from guanxi.core.models import Notification
from guanxi.core.roles import Role
from guanxi.customers.models import Activity, Interaction
from guanxi.knowledge import services as knowledge
from guanxi.sales.models import Lead
from guanxi.service.models import Ticket
from tests.contact_center.test_desktop import on_roster, reverse_, signed_in

TOOLS = ("contact_center:desktop_transfer", "contact_center:desktop_consult")


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def answered(client, call_id, caller, **offered) -> int:
    """A call offered to the client's agent and accepted on the desktop: its contact id."""
    contact_id = voice.call_offered(call_id, caller, **offered)["contact_id"]
    client.post(reverse_("contact_center:desktop_step", contact_id, "accept"))
    assert QueuedContact.objects.get(pk=contact_id).state == QueuedContact.State.ASSIGNED
    return contact_id


def on_break(user, extension, **fields) -> Agent:
    agent = on_roster(user, extension, **fields)
    Agent.objects.filter(pk=agent.pk).update(state=Agent.State.BREAK)
    return agent


def published(author, reviewer, **fields):
    article = knowledge.save_article(author, None, fields)
    knowledge.step(author, article.pk, "submit")
    return knowledge.step(reviewer, article.pk, "publish")


def commands(contact_id, command) -> list[dict]:
    """What the telephony gateway (the logging one) was asked to do with the call."""
    return [event.data for event in ContactEvent.objects.filter(contact_id=contact_id, kind=ContactEvent.Kind.COMMAND)
            if event.data.get("command") == command and "call_id" in event.data]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.DEALER_SALES, Role.AGENT])
def test_the_tools_are_for_the_agent_holding_the_contact_only(role, users, customers):
    """The tools' isolation matrix: 403 for a user not on the roster, whatever the role; 404 for another agent's
    contact, changing nothing and making nothing."""
    colleague = on_roster(users["region_manager"], "8009")
    theirs = answered(signed_in(users["region_manager"]), "theirs", "13800138000")
    client = signed_in(users[role])
    routes = [reverse_(name, theirs) for name in TOOLS] + [
        reverse_("contact_center:desktop_record", theirs, kind) for kind in ("lead", "ticket", "activity")]
    form = {"to_agent": colleague.pk, "model": "帕萨特 Passat", "notes": "试驾"}
    aids = reverse_("contact_center:desktop_aids", theirs)
    assert [client.post(url, form).status_code for url in routes] == [403] * 5
    assert client.get(aids).status_code == 403

    on_roster(users[role], "8001")
    assert [client.post(url, form).status_code for url in routes] == [404] * 5
    assert client.get(aids).status_code == 404
    contact = QueuedContact.objects.get(pk=theirs)
    assert (contact.state, contact.offered_to_id) == ("assigned", colleague.pk)
    assert not ContactEvent.objects.filter(kind__in=("transferred", "command")).exists()
    assert not (Lead.objects.exists() or Ticket.objects.exists() or Activity.objects.exists())


def test_the_card_shows_the_script_for_the_contact_s_purpose_and_published_articles_about_it(users, customers):
    author, reviewer = users[Role.SUPERVISOR], users[Role.ADMIN]
    service_interval = published(author, reviewer, title="帕萨特 Passat 保养周期", answer="每 1 万公里保养一次。")
    warranty = published(author, reviewer, title="How a warranty claim is filed", answer="The dealer files it.")
    published(author, reviewer, title="Warranty call script", answer="Greet the caller by name.",
              steps="Ask for the VIN\nConfirm the servicing dealer", tags=["script", "warranty"])
    published(author, reviewer, title="Welcome script", answer="Thank the caller for calling.",
              tags=["script", "general"])
    knowledge.save_article(author, None, {"title": "Passat recall (draft)", "answer": "Not yet checked."})
    published(author, reviewer, title="Charging pile installation", answer="For electric cars only.")
    on_roster(users[Role.AGENT], "8001", skills={"warranty": 3})
    client = signed_in(users[Role.AGENT])

    contact_id = voice.call_offered("c-1", "13800138000", skill="warranty")["contact_id"]
    card = client.get(reverse_("contact_center:desktop_card", contact_id)).content.decode()
    assert reverse_("contact_center:desktop_aids", contact_id) in card  # fetched by the card once it is shown
    card = client.get(reverse_("contact_center:desktop_aids", contact_id)).content.decode()
    script = card[card.index("desktop-script"):card.index("</details>")]
    assert "Warranty call script" in script and "Ask for the VIN" in script and "Greet the caller" in script
    suggested = card[card.index("desktop-articles"):]
    suggested = suggested[:suggested.index("</ul>")]
    assert f'href="/knowledge/articles/{service_interval.pk}/"' in suggested  # the customer's car
    assert f'href="/knowledge/articles/{warranty.pk}/"' in suggested  # the queue's skill
    assert "script" not in suggested and "draft" not in suggested and "Charging" not in suggested

    client.post(reverse_("contact_center:desktop_step", contact_id, "accept"))
    client.post(reverse_("contact_center:desktop_step", contact_id, "complete"), {"wrap_up": "resolved"})
    other = voice.call_offered("c-2", "13900139000")["contact_id"]  # no skill asked: the general script
    card = client.get(reverse_("contact_center:desktop_aids", other)).content.decode()
    assert "Welcome script" in card and "Warranty call script" not in card


def test_done_asks_what_came_of_the_contact_and_keeps_it_in_the_event_log_and_on_the_timeline(
        users, customers, settings):
    agent = on_roster(users[Role.AGENT], "8001")
    client = signed_in(users[Role.AGENT])
    contact_id = answered(client, "c-1", "13800138000")
    done = reverse_("contact_center:desktop_step", contact_id, "complete")
    listed = client.get(reverse_("contact_center:desktop_contacts")).content.decode()
    assert 'name="wrap_up" required' in listed and "Follow-up needed" in listed

    refused = [client.post(done, {"notes": "问保养", **code}, HTTP_HX_REQUEST="true")
               for code in ({}, {"wrap_up": "x"})]
    assert [answer.status_code for answer in refused] == [422, 422]
    assert "Choose what came of the contact" in refused[0].content.decode()
    assert "“x” is not a wrap-up code" in refused[1].content.decode()
    assert QueuedContact.objects.get(pk=contact_id).state == QueuedContact.State.ASSIGNED

    client.post(done, {"wrap_up": "follow_up", "notes": "Asked about the 40,000 km service"})
    completed = ContactEvent.objects.get(contact_id=contact_id, kind=ContactEvent.Kind.COMPLETED)
    assert (completed.data["wrap_up"], completed.agent_id) == ("follow_up", agent.pk)
    entry = Interaction.objects.get(customer=customers["zhang"])
    assert entry.summary == "Follow-up needed: Asked about the 40,000 km service"

    settings.GUANXI_WRAP_UP_CODES = {}  # a center that keeps no codes: Done alone
    second = answered(client, "c-2", "13900139000")
    assert 'name="wrap_up"' not in client.get(reverse_("contact_center:desktop_contacts")).content.decode()
    client.post(reverse_("contact_center:desktop_step", second, "complete"), {"notes": "wrong number"})
    assert QueuedContact.objects.get(pk=second).state == QueuedContact.State.DONE
    assert Interaction.objects.get(customer=customers["li"]).summary == "wrong number"


def test_a_call_the_caller_ended_first_waits_on_the_desktop_for_its_wrap_up(users, customers):
    on_roster(users[Role.AGENT], "8001")
    client = signed_in(users[Role.AGENT])
    contact_id = answered(client, "c-1", "13800138000")
    voice.call_ended("c-1")  # the caller hung up before the agent pressed Done
    listed = client.get(reverse_("contact_center:desktop_contacts")).content.decode()
    assert "To wrap up" in listed and "张伟" in listed

    done = reverse_("contact_center:desktop_step", contact_id, "complete")
    client.post(done, {"wrap_up": "complaint", "notes": "噪音投诉"})
    completed = ContactEvent.objects.get(contact_id=contact_id, kind=ContactEvent.Kind.COMPLETED)
    assert completed.data["wrap_up"] == "complaint"
    assert Interaction.objects.get(customer=customers["zhang"]).summary == "Complaint logged: 噪音投诉"
    assert "To wrap up" not in client.get(reverse_("contact_center:desktop_contacts")).content.decode()
    again = client.post(done, {"wrap_up": "resolved"}, HTTP_HX_REQUEST="true")
    assert again.status_code == 422 and "waiting for their wrap-up" in again.content.decode()
    completed.refresh_from_db()
    assert completed.data["wrap_up"] == "complaint"


def test_a_lead_a_ticket_and_an_activity_are_made_from_the_contact_with_the_customer_and_the_notes(users, customers):
    on_roster(users[Role.AGENT], "8001")
    client = signed_in(users[Role.AGENT])
    contact_id = answered(client, "c-1", "13800138000")
    card = client.get(reverse_("contact_center:desktop_card", contact_id)).content.decode()
    assert "New lead" in card and "New ticket" in card and "New follow-up" in card
    notes = "Brake noise since Monday\nWants a quote for a new Tiguan L too"

    def make(kind, **fields):
        return client.post(reverse_("contact_center:desktop_record", contact_id, kind), {"notes": notes, **fields},
                           HTTP_HX_REQUEST="true")

    refused = make("lead")
    assert refused.status_code == 422 and "Name the car model" in refused.content.decode()
    assert not Lead.objects.exists()
    made = make("lead", model="途观L Tiguan L")
    lead = Lead.objects.get()
    assert (lead.customer, lead.model, lead.note, lead.source) == (
        customers["zhang"], "途观L Tiguan L", notes, "hotline")
    assert made.status_code == 200 and f'href="/sales/leads/{lead.pk}/"' in made.content.decode()

    make("ticket", ticket_kind="complaint")
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.kind, ticket.subject, ticket.description, ticket.channel) == (
        customers["zhang"], "complaint", "Brake noise since Monday", notes, "phone")

    make("activity", activity_kind="call")
    activity = Activity.objects.get()
    assert (activity.customer, activity.kind, activity.summary, activity.note, activity.assignee) == (
        customers["zhang"], "call", "Brake noise since Monday", notes, users[Role.AGENT])
    assert activity.link == QueuedContact.objects.get(pk=contact_id).interaction
    assert make("quote").status_code == 422


def test_an_agent_at_a_dealer_cannot_see_or_make_records_for_another_dealer_s_customer(users, customers):
    """A dealer's salesperson takes calls too. A call passed on to them from a customer of another dealer stays
    an unknown party's call to them: nothing can be made for that customer from their desktop, and their Done
    keeps the wrap-up code without writing on a timeline they may not write."""
    hotline = on_roster(users[Role.AGENT], "8001")
    seller = on_break(users["other_dealer"], "8009")  # at D-GZ1; 张伟 is D-SH1's
    contact_id = answered(signed_in(users[Role.AGENT]), "c-1", "13800138000")
    Agent.objects.filter(pk=seller.pk).update(state=Agent.State.AVAILABLE)
    voice.transfer(hotline, contact_id, seller.pk)
    client = signed_in(users["other_dealer"])
    card = client.get(reverse_("contact_center:desktop_card", contact_id)).content.decode()
    card += client.get(reverse_("contact_center:desktop_aids", contact_id)).content.decode()
    assert "Unknown party" in card and "张伟" not in card and "Passat" not in card and "New lead" not in card
    posts = [client.post(reverse_("contact_center:desktop_record", contact_id, kind),
                         {"notes": "想换车", "model": "帕萨特 Passat"}) for kind in ("lead", "ticket", "activity")]
    assert [answer.status_code for answer in posts] == [404, 404, 404]
    assert not (Lead.objects.exists() or Ticket.objects.exists() or Activity.objects.exists())
    client.post(reverse_("contact_center:desktop_step", contact_id, "complete"), {"wrap_up": "sales_lead",
                                                                                "notes": "想换车"})
    assert ContactEvent.objects.get(contact_id=contact_id, kind="completed").data["wrap_up"] == "sales_lead"
    assert Interaction.objects.get(customer=customers["zhang"]).summary == ""

    Agent.objects.filter(pk=hotline.pk).update(state=Agent.State.BREAK)
    own = answered(client, "c-2", "13700137000")  # 王芳, the dealer's own customer
    client.post(reverse_("contact_center:desktop_record", own, "lead"), {"model": "帕萨特 Passat"})
    assert Lead.objects.get().dealer.code == "D-GZ1"


def test_a_call_is_transferred_to_a_colleague_with_a_free_line_or_to_a_queue_and_a_full_agent_is_refused(
        users, customers, django_capture_on_commit_callbacks):
    first = on_roster(users[Role.AGENT], "8001", skills={"sales": 2})
    full = on_roster(users[Role.SUPERVISOR], "8003", skills={"warranty": 4})
    second = on_break(users[Role.ADMIN], "8002")
    client = signed_in(users[Role.AGENT])
    contact_id = answered(client, "c-1", "13800138000", skill="sales")
    answered(signed_in(users[Role.SUPERVISOR]), "c-2", "13900139000", skill="warranty")
    Agent.objects.filter(pk=second.pk).update(state=Agent.State.AVAILABLE)
    transfer = reverse_("contact_center:desktop_transfer", contact_id)

    refused = client.post(transfer, {"to_agent": full.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "has no free Voice line" in refused.content.decode()
    for unclear in ({}, {"to_agent": second.pk, "skill": "warranty"}, {"skill": "flying"}):
        assert client.post(transfer, unclear, HTTP_HX_REQUEST="true").status_code == 422
    contact = QueuedContact.objects.get(pk=contact_id)
    assert (contact.state, contact.offered_to_id) == ("assigned", first.pk)
    assert not ContactEvent.objects.filter(kind=ContactEvent.Kind.TRANSFERRED).exists()

    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(transfer, {"to_agent": second.pk}, HTTP_HX_REQUEST="true")
    assert moved.status_code == 200 and moved["HX-Retarget"] == "#desktop-pop"
    assert "Transferred to u_admin" in moved.content.decode()
    contact.refresh_from_db()
    assert (contact.state, contact.offered_to_id) == ("assigned", second.pk)
    assert ContactEvent.objects.get(kind=ContactEvent.Kind.TRANSFERRED).data["to_agent"] == second.pk
    assert commands(contact_id, "connect")[-1]["extension"] == "8002"  # the PBX moves the audio
    first.refresh_from_db()
    assert first.state == Agent.State.AVAILABLE
    assert client.get(reverse_("contact_center:desktop_card", contact_id)).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):  # to the warranty queue: its only agent is on a call
        signed_in(users[Role.ADMIN]).post(reverse_("contact_center:desktop_transfer", contact_id),
                                          {"skill": "warranty"}, HTTP_HX_REQUEST="true")
    contact.refresh_from_db()
    assert (contact.state, contact.requirement) == ("waiting", {"skills": {"warranty": 1}})
    assert commands(contact_id, "hold")
    with django_capture_on_commit_callbacks(execute=True):
        voice.call_ended("c-2")  # the warranty agent's call ended: after-call work first, the held call waits
    contact.refresh_from_db()
    assert contact.state == "waiting"
    with django_capture_on_commit_callbacks(execute=True):  # "Available" ends it: the held call is put through
        signed_in(users[Role.SUPERVISOR]).post(reverse_("contact_center:desktop_state"), {"state": "available"},
                                               HTTP_HX_REQUEST="true")
    contact.refresh_from_db()
    assert (contact.state, contact.offered_to_id) == ("offered", full.pk)
    assert commands(contact_id, "connect")[-1]["extension"] == "8003"


def test_consulting_a_colleague_keeps_the_customer_with_the_agent_and_asks_the_pbx_to_ring_them(
        users, customers, django_capture_on_commit_callbacks):
    first = on_roster(users[Role.AGENT], "8001")
    colleague = on_break(users[Role.SUPERVISOR], "8002")
    client = signed_in(users[Role.AGENT])
    contact_id = answered(client, "c-1", "13800138000")
    consult = reverse_("contact_center:desktop_consult", contact_id)

    away = client.post(consult, {"to_agent": colleague.pk}, HTTP_HX_REQUEST="true")
    assert away.status_code == 422 and "u_supervisor is not taking contacts now (Break)" in away.content.decode()
    Agent.objects.filter(pk=colleague.pk).update(state=Agent.State.AVAILABLE)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(consult, {"to_agent": colleague.pk, "question": "Is the 2022 Passat's gearbox covered?"},
                            HTTP_HX_REQUEST="true")
    assert asked.status_code == 200 and "the customer stays with you" in asked.content.decode()
    contact = QueuedContact.objects.get(pk=contact_id)
    assert (contact.state, contact.offered_to_id) == ("assigned", first.pk)
    assert commands(contact_id, "consult") == [{"command": "consult", "call_id": "c-1", "extension": "8001",
                                                "to_extension": "8002"}]
    logged = ContactEvent.objects.get(contact_id=contact_id, kind=ContactEvent.Kind.COMMAND, agent=first)
    assert (logged.data["command"], logged.data["to_agent"]) == ("consult", colleague.pk)
    told = Notification.objects.get(user=users[Role.SUPERVISOR])
    assert "Is the 2022 Passat's gearbox covered?" in told.title and told.link == f"/customers/{customers['zhang'].pk}/"

    answered(signed_in(users[Role.SUPERVISOR]), "c-2", "13900139000")  # now the colleague's line is taken
    busy = client.post(consult, {"to_agent": colleague.pk}, HTTP_HX_REQUEST="true")
    assert busy.status_code == 422 and "has no free Voice line" in busy.content.decode()
    with pytest.raises(ValidationError):
        voice.consult(first, contact_id, first.pk)  # oneself is no colleague


def test_an_unknown_party_is_tied_to_the_customer_the_agent_checked_and_only_one_in_the_agent_s_scope(
        users, customers):
    """A chat visitor's typed number is put to the agent as a claim; the agent confirms it after asking, and the
    contact becomes the customer's, on their timeline. A customer out of the agent's scope is a 404 (the same as
    one that does not exist), a contact already someone's is refused, and nothing changes on a refusal."""
    from guanxi.contact_center import messaging

    on_roster(users[Role.AGENT], "8001", capacity={"chat": 2})
    client = signed_in(users[Role.AGENT])
    message, _new = messaging.receive(messaging.Incoming(
        channel="chat", external_id="chat-1", sender="张先生 · 13800138000 · #ab12", body="车灯亮了",
        at=timezone.now(), claimed=(("phone", "13800138000"),)))
    contact_id = message.contact_id
    client.post(reverse_("contact_center:desktop_step", contact_id, "accept"))
    card = client.get(reverse_("contact_center:desktop_card", contact_id)).content.decode()
    assert "Unknown party" in card and "Says they are <strong>张伟</strong>" in card and "Confirmed: it is 张伟" in card
    assert "Writing from" in card and "Calling from" not in card  # a chat is not a call
    assert not Interaction.objects.filter(customer=customers["zhang"]).exists()

    identify = reverse_("contact_center:desktop_step", contact_id, "identify")
    assert client.post(identify, {"customer": "²"}).status_code == 404  # not an id
    assert client.post(identify, {"customer": customers["zhang"].pk}).status_code == 302
    contact = QueuedContact.objects.get(pk=contact_id)
    assert (contact.customer_id, contact.claimed_customer_id) == (customers["zhang"].pk, None)
    assert contact.interaction.customer_id == customers["zhang"].pk and contact.interaction.channel == "chat"
    assert client.post(identify, {"customer": customers["li"].pk}, HTTP_HX_REQUEST="true").status_code == 422

    seller = on_roster(users[Role.DEALER_SALES], "8002", capacity={"voice": 1})  # at D-SH1; 王芳 is D-GZ1's
    Agent.objects.filter(user=users[Role.AGENT]).update(state=Agent.State.BREAK)
    unknown = voice.call_offered("c-9", "13600000000")["contact_id"]
    assert QueuedContact.objects.get(pk=unknown).offered_to_id == seller.pk
    dealer = signed_in(users[Role.DEALER_SALES])
    dealer.post(reverse_("contact_center:desktop_step", unknown, "accept"))
    step = reverse_("contact_center:desktop_step", unknown, "identify")
    assert dealer.post(step, {"customer": customers["wang"].pk}).status_code == 404
    assert QueuedContact.objects.get(pk=unknown).customer_id is None
    assert dealer.post(step, {"customer": customers["zhang"].pk}).status_code == 302
    assert QueuedContact.objects.get(pk=unknown).customer_id == customers["zhang"].pk
