"""Claiming contacts from the database: the engine's rules, and no double assignment under concurrency.

The hammer test runs threads, each with its own database connection, against the real test
database (SQLite or PostgreSQL, whichever the suite runs on).
"""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from guanxi.contact_center import services
from guanxi.contact_center.models import Agent, QueuedContact
from guanxi.contact_center.routing import RoutingPolicy

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
POLICY = RoutingPolicy.from_dict({
    "tier_priority": {"vip": 300, "standard": 0},
    "aging_weight": 1,
    "expansion_steps": [{"after_seconds": 60, "min_proficiency": 1}, {"after_seconds": 120, "drop": ["language"]}],
    "reservation_timeout_seconds": 15,
    "fallback": {"action": "voicemail"},
}, ["warranty", "sales"])


def make_agent(user, state=Agent.State.AVAILABLE, **fields):
    fields.setdefault("capacity", {"voice": 1})
    return Agent.objects.create(user=user, state=state, **fields)


def queue(seconds_ago, tier="standard", channel="voice", **requirement):
    return services.enqueue_contact(channel, requirement, tier=tier, arrival=T0 - dt.timedelta(seconds=seconds_ago),
                                    policy=POLICY)


def test_vip_goes_first_unless_a_standard_caller_waited_300_s_longer(users):
    agent = make_agent(users["agent"], capacity={"voice": 3})
    old = queue(100)
    vip = queue(10, tier="vip")
    ancient = queue(400)
    claimed = [services.claim_next_contact(agent, POLICY, T0).pk for _ in range(3)]
    assert claimed == [ancient.pk, vip.pk, old.pk]  # scores 400, 310, 100: the policy's own score
    assert services.claim_next_contact(agent, POLICY, T0) is None  # full: 3 voice slots
    assert Counter(QueuedContact.objects.values_list("state", flat=True)) == {"offered": 3}


def test_skills_language_and_the_bullseye_rings_decide_who_may_take_a_contact(users):
    junior = make_agent(users["agent"], skills={"warranty": 2}, languages=["zh"])
    fresh = queue(10, skills={"warranty": 4}, language="zh")
    assert services.claim_next_contact(junior, POLICY, T0) is None  # needs warranty 4 for the first 60 s
    assert services.claim_next_contact(junior, POLICY, T0 + dt.timedelta(seconds=55)).pk == fresh.pk  # ring 1
    english = queue(70, skills={"warranty": 1}, language="en")
    services.complete_contact(junior, fresh.pk)
    assert services.claim_next_contact(junior, POLICY, T0) is None  # language kept until 120 s
    assert services.claim_next_contact(junior, POLICY, T0 + dt.timedelta(seconds=60)).pk == english.pk


def test_only_available_or_busy_agents_with_room_on_the_channel_claim(users):
    on_break = make_agent(users["agent"], state=Agent.State.BREAK)
    chat_only = make_agent(users["supervisor"], capacity={"chat": 2})
    queue(5)
    assert services.claim_next_contact(on_break, POLICY, T0) is None
    assert services.claim_next_contact(chat_only, POLICY, T0) is None


def test_accept_complete_and_expired_offers_go_back_to_the_queue(users):
    agent = make_agent(users["agent"])
    first, second = queue(30), queue(20)
    assert services.claim_next_contact(agent, POLICY, T0).pk == first.pk
    assert services.release_expired_offers(POLICY, T0 + dt.timedelta(seconds=10)) == 0
    assert services.release_expired_offers(POLICY, T0 + dt.timedelta(seconds=16)) == 1  # nobody answered
    agent.refresh_from_db()
    assert agent.state == Agent.State.BREAK  # the absent agent is not offered it again
    colleague = make_agent(users["supervisor"])
    assert services.claim_next_contact(colleague, POLICY, T0).pk == first.pk  # re-offered to someone present
    services.release_expired_offers(POLICY, T0 + dt.timedelta(seconds=60))
    Agent.objects.filter(pk=agent.pk).update(state=Agent.State.AVAILABLE)  # back from break
    agent.refresh_from_db()
    assert services.claim_next_contact(agent, POLICY, T0).pk == first.pk
    assert services.accept_offer(agent, first.pk, POLICY, T0).state == QueuedContact.State.ASSIGNED
    with pytest.raises(ValidationError):
        services.accept_offer(agent, second.pk, POLICY, T0)  # never offered to it
    assert services.claim_next_contact(agent, POLICY, T0) is None
    services.complete_contact(agent, first.pk)
    agent.refresh_from_db()
    assert agent.state == Agent.State.AVAILABLE
    assert services.claim_next_contact(agent, POLICY, T0).pk == second.pk
    agent.refresh_from_db()
    assert agent.state == Agent.State.BUSY


@pytest.mark.parametrize("fields, field", [
    ({"requirement": {"skills": {"warranty": 9}}}, "requirement"),
    ({"tier": "platinum"}, "tier"),  # no priority in the policy: it would never be claimed
])
def test_a_contact_that_could_never_be_claimed_is_refused_when_queued(db, fields, field):
    with pytest.raises(ValidationError) as error:
        services.enqueue_contact("voice", **fields)
    assert field in error.value.message_dict
    assert not QueuedContact.objects.exists()


THREADS, CLAIMS = 8, 50


@pytest.mark.django_db(transaction=True)
def test_threads_hammering_claims_never_double_assign_or_overfill(django_user_model):
    """8 threads x 50 claims over 12 agents: every agent is claimed for by several threads at once."""
    agents = [
        Agent.objects.create(
            user=django_user_model.objects.create_user(f"cc{i}"), state=Agent.State.AVAILABLE,
            skills={"warranty": 1 + i % 5}, capacity={"voice": 1, "chat": 3} if i % 2 else {"voice": 2},
        )
        for i in range(12)
    ]
    now = timezone.now()
    QueuedContact.objects.bulk_create([
        QueuedContact(channel="chat" if n % 3 == 0 else "voice", tier="vip" if n % 5 == 0 else "standard",
                      requirement={"skills": {"warranty": 1 + n % 3}}, arrival=now - dt.timedelta(seconds=n))
        for n in range(300)
    ])
    claims: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    record = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        try:
            start.wait()
            for i in range(CLAIMS):
                agent = agents[(index * 7 + i) % len(agents)]
                contact = services.claim_next_contact(agent, POLICY, now)
                if contact is not None:
                    with record:
                        claims.append((contact.pk, agent.pk))
                    if i % 4 == 3:  # hang up now and then: the slot frees, the contact is never re-offered
                        services.complete_contact(agent, contact.pk)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    contact_ids = [contact for contact, _agent in claims]
    assert len(contact_ids) == len(set(contact_ids)), "a contact was handed to two agents"
    assert len(claims) >= 20  # the agents' slots were filled, and refilled after hang-ups
    rows = {c.pk: c for c in QueuedContact.objects.filter(pk__in=contact_ids)}
    assert all(rows[contact].offered_to_id == agent for contact, agent in claims)
    for agent in agents:
        held = Counter(QueuedContact.objects.filter(offered_to=agent, state__in=QueuedContact.ACTIVE)
                       .values_list("channel", flat=True))
        assert all(held[channel] <= slots for channel, slots in agent.capacity.items()), (agent.pk, held)
        # every claim this agent got beyond its capacity must have been preceded by a hang-up
        got = Counter(rows[c].channel for c, a in claims if a == agent.pk)
        done = Counter(rows[c].channel for c, a in claims if a == agent.pk and rows[c].state == "done")
        assert all(got[ch] - done[ch] <= agent.capacity.get(ch, 0) for ch in got), (agent.pk, got, done)


REROUTE = RoutingPolicy.from_dict({
    "tier_priority": {"standard": 0}, "aging_weight": 1,
    "expansion_steps": [{"after_seconds": 60, "min_proficiency": 2}],
    "fallback": {"action": "reroute", "skills": {"sales": 1}},
}, ["warranty", "sales"])


def test_a_contact_nobody_can_ever_serve_is_rerouted_as_the_policy_says(users):
    seller = make_agent(users["agent"], state=Agent.State.BREAK, skills={"sales": 1, "warranty": 2})
    servable = services.enqueue_contact("voice", {"skills": {"warranty": 4}}, arrival=T0, policy=REROUTE)
    assert servable.fallback == "" and not servable.unroutable_reason  # ring 1 asks warranty 2: the seller has it
    stuck = services.enqueue_contact("voice", {"skills": {"warranty": 4}, "language": "zh"}, arrival=T0,
                                     policy=REROUTE)
    assert stuck.fallback == "reroute" and stuck.state == QueuedContact.State.WAITING
    assert "voice, warranty>=2, language=zh" in stuck.unroutable_reason  # the widest ring, as the engine says
    assert stuck.requirement == {"skills": {"sales": 1}}
    seller.state = Agent.State.AVAILABLE  # an agent on a break counted: once back, it takes the rerouted call
    seller.save()
    claimed = {services.claim_next_contact(seller, REROUTE, T0).pk}
    services.complete_contact(seller, next(iter(claimed)))
    claimed.add(services.claim_next_contact(seller, REROUTE, T0 + dt.timedelta(seconds=60)).pk)
    assert claimed == {servable.pk, stuck.pk}
    assert [c.pk for c in services.report_unroutable(REROUTE)] == [stuck.pk]


def test_the_engine_and_the_database_make_the_same_fallback_decision(users):
    from guanxi.contact_center.routing import Contact, RoutingEngine

    make_agent(users["agent"], skills={"sales": 1})
    row = services.enqueue_contact("voice", {"skills": {"warranty": 3}}, policy=REROUTE)
    engine = RoutingEngine(REROUTE, [Agent.objects.get().to_engine()])
    engine.contact_arrived(Contact("c1", "voice", 0.0, skills={"warranty": 3}), now=0.0)
    [report] = engine.unroutable
    assert (row.fallback, row.unroutable_reason) == (report.action, report.reason)


def test_without_a_possible_agent_or_fallback_it_goes_to_voicemail_and_is_reported(users):
    agent = make_agent(users["agent"], skills={"warranty": 5})
    voicemail = services.enqueue_contact("chat", {}, policy=POLICY)  # nobody takes chats; policy: voicemail
    assert voicemail.state == QueuedContact.State.VOICEMAIL and "voice" not in voicemail.unroutable_reason
    later = queue(10, skills={"warranty": 5})
    assert later.fallback == ""
    agent.delete()  # the roster changed: the waiting call has nobody left; the sweep reports it
    [first, second] = services.report_unroutable(POLICY)
    assert (first.pk, second.pk) == (later.pk, voicemail.pk)  # oldest first
    assert second.state == first.state == QueuedContact.State.VOICEMAIL
    assert "no agent on the roster meets voice, warranty>=1" in first.unroutable_reason
    assert services.claim_next_contact(make_agent(users["supervisor"]), POLICY, T0) is None  # never re-offered


def test_rerouted_contact_whose_fallback_agents_left_goes_to_voicemail(users):
    seller = make_agent(users["agent"], skills={"sales": 2})
    rerouted = services.enqueue_contact("voice", {"skills": {"warranty": 2}}, policy=REROUTE)
    assert rerouted.fallback == "reroute"
    seller.delete()
    [row] = services.report_unroutable(REROUTE)
    assert (row.state, row.fallback) == (QueuedContact.State.VOICEMAIL, "voicemail")
    assert row.unroutable_reason.startswith("no agent on the roster meets voice, warranty>=2")
    assert "after reroute: no agent on the roster meets voice, sales>=1" in row.unroutable_reason


def test_an_agent_row_the_engine_would_refuse_fails_validation_in_the_admin_form(users):
    agent = Agent(user=users["agent"], skills={"after_sales": 9}, capacity={"voice": 1})
    with pytest.raises(ValidationError) as err:
        agent.full_clean()
    assert "skills" in err.value.message_dict


def test_an_operator_signs_agents_out_from_the_admin_and_the_state_log_keeps_it(client, users):
    """The admin's state field bypassed the state log occupancy is counted from; its actions go through the
    agents' own service: a free agent goes offline (logged), one with a call in hand is told why not."""
    free, talking = make_agent(users["supervisor"]), make_agent(users["agent"])
    queue(5)
    services.accept_offer(talking, services.claim_next_contact(talking, POLICY, T0).pk, now=T0)
    users["admin"].is_staff = True
    users["admin"].save()
    client.force_login(users["admin"])
    form = client.get(f"/admin/contact_center/agent/{free.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "In this state since" in form and 'name="state"' not in form  # shown, not editable
    response = client.post("/admin/contact_center/agent/", {
        "action": "set_offline", "_selected_action": [free.pk, talking.pk]}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Finish the contacts in hand before going offline" in page
    free.refresh_from_db()
    talking.refresh_from_db()
    assert (free.state, talking.state) == (Agent.State.OFFLINE, Agent.State.BUSY)
    assert list(free.state_changes.values_list("state", flat=True)) == [Agent.State.OFFLINE]
