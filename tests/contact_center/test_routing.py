"""Routing engine behaviour: bullseye rings, value + aging order, service-level target, preferred agent, capacity,
fallback."""

import datetime as dt
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from guanxi.contact_center.policies import FIFO, SLA_AWARE, VALUE
from guanxi.contact_center.routing import Agent, AgentState, Contact, RoutingEngine, RoutingPolicy

ROOT = Path(__file__).resolve().parents[2]
SKILLS = ["sales", "service", "warranty", "general"]


def make_policy(**overrides):
    data = {
        "tier_priority": {"vip": 60, "standard": 0},
        "aging_weight": 1.0,
        "expansion_steps": [
            {"after_seconds": 30, "min_proficiency": 2},
            {"after_seconds": 60, "drop": ["language"]},
        ],
        "preferred_agent_window_seconds": 20,
        "agent_choice": "longest_idle",
        "reservation_timeout_seconds": 15,
        "fallback": {"action": "reroute", "skills": {"general": 1}},
    }
    data.update(overrides)
    return RoutingPolicy.from_dict(data, SKILLS)


def make_agent(agent_id, skills=None, capacity=None, languages=("zh",), state=AgentState.AVAILABLE, **extra):
    return Agent(
        agent_id, skills or {"sales": 3}, capacity or {"voice": 1}, languages=frozenset(languages), state=state, **extra
    )


def call(contact_id, arrival=0.0, skills=None, **extra):
    return Contact(
        contact_id,
        extra.pop("channel", "voice"),
        arrival,
        skills or {"sales": 3},
        language=extra.pop("language", "zh"),
        **extra,
    )


def pairs(offers):
    return [(o.contact_id, o.agent_id) for o in offers]


def test_arrival_goes_to_the_longest_idle_matching_agent_and_explains_why():
    engine = RoutingEngine(
        make_policy(),
        [
            make_agent("recent", last_assignment_time=100.0),
            make_agent("idle_longest", skills={"sales": 4}, last_assignment_time=10.0),
            make_agent("unskilled", skills={"service": 5}, last_assignment_time=0.0),
        ],
    )
    [offer] = engine.contact_arrived(call("c1", tier="vip"), now=0.0)
    assert offer.agent_id == "idle_longest"
    why = offer.explanation
    assert why.trigger == "contact_arrived"
    assert why.score == 60.0 and why.tier_priority == 60.0 and why.aging_bonus == 0.0
    assert why.step == 0
    assert why.matched_skills == {"sales": (3, 4)}
    assert why.candidates == 2  # "unskilled" never counted
    assert why.choice_key == (10.0, "idle_longest")
    assert str(why) == (
        "contact_arrived: score 60.0 = tier 60 + value 0 + aging 0.0 (0.0 s waited); ring 0 "
        "(voice, sales>=3, language=zh); skills sales 4>=3; agent chosen by longest_idle among 2"
    )


def test_bullseye_widens_the_ring_over_time():
    junior_english = make_agent("junior", skills={"sales": 2}, languages=("en",))
    engine = RoutingEngine(make_policy(), [junior_english])
    assert engine.contact_arrived(call("c1", language="zh"), now=0.0) == []
    assert engine.advance(29.9) == []
    assert engine.advance(30.0) == []  # proficiency relaxed to 2, but still needs Chinese
    [offer] = engine.advance(60.0)  # language dropped
    assert offer.agent_id == "junior"
    assert offer.explanation.trigger == "ring_widened"
    assert offer.explanation.step == 2
    assert offer.explanation.requirement == "voice, sales>=2"
    assert offer.offered_at == 60.0


def test_agent_becoming_available_takes_contacts_from_widened_rings():
    engine = RoutingEngine(make_policy(), [make_agent("junior", skills={"sales": 2}, state=AgentState.BREAK)])
    engine.contact_arrived(call("c1"), now=0.0)
    assert engine.set_agent_state("junior", AgentState.AVAILABLE, now=10.0) == []  # still needs sales>=3
    assert engine.set_agent_state("junior", AgentState.BREAK, now=11.0) == []
    [offer] = engine.set_agent_state("junior", AgentState.AVAILABLE, now=45.0)
    assert (offer.contact_id, offer.explanation.step, offer.explanation.trigger) == ("c1", 1, "agent_available")


def test_later_rings_can_drop_region_and_named_skills():
    policy = make_policy(expansion_steps=[{"after_seconds": 120, "drop": ["region"], "drop_skills": ["warranty"]}])
    engine = RoutingEngine(policy, [make_agent("north", skills={"sales": 3}, regions=frozenset({"north"}))])
    assert engine.contact_arrived(call("c1", skills={"sales": 3, "warranty": 2}, region="south"), now=0.0) == []
    [offer] = engine.advance(120.0)
    assert offer.explanation.requirement == "voice, sales>=3, language=zh"


def test_agent_joining_the_roster_takes_waiting_work():
    # The roster counts offline agents too: someone who could serve exists, so the contact waits.
    engine = RoutingEngine(make_policy(), [make_agent("offline", state=AgentState.OFFLINE)])
    assert engine.contact_arrived(call("c1"), now=0.0) == []
    assert engine.unroutable == []
    [offer] = engine.add_agent(make_agent("late"), now=2.0)
    assert (offer.contact_id, offer.agent_id, offer.explanation.trigger) == ("c1", "late", "agent_available")


def test_vip_goes_first_unless_the_standard_contact_has_waited_longer_than_the_vip_bonus():
    engine = RoutingEngine(make_policy(), [make_agent("a", state=AgentState.BREAK)])
    engine.contact_arrived(call("std_old", arrival=0.0), now=0.0)
    engine.contact_arrived(call("std_new", arrival=50.0), now=50.0)
    engine.contact_arrived(call("vip", arrival=55.0, tier="vip"), now=55.0)
    engine.contact_arrived(call("std_very_old", arrival=-10.0), now=55.0)
    served = []
    for t in (70.0, 80.0, 90.0, 100.0):
        offers = engine.set_agent_state("a", AgentState.AVAILABLE, now=t)
        engine.accept(offers[0].contact_id, "a", now=t)
        engine.complete(offers[0].contact_id, now=t, after_call_work=True)
        served.append(offers[0].contact_id)
    # scores at 70 s: std_very_old 80, vip 60+15=75, std_old 70, std_new 20
    assert served == ["std_very_old", "vip", "std_old", "std_new"]


def test_value_weight_orders_customers_of_the_same_tier():
    engine = RoutingEngine(make_policy(value_weight=0.001), [make_agent("a", state=AgentState.BREAK)])
    engine.contact_arrived(call("small", value=1_000), now=0.0)
    engine.contact_arrived(call("big", value=50_000), now=1.0)
    [offer] = engine.set_agent_state("a", AgentState.AVAILABLE, now=2.0)
    assert offer.contact_id == "big"
    assert offer.explanation.value_bonus == pytest.approx(50.0)


def test_preferred_agent_is_waited_for_within_the_window_only():
    engine = RoutingEngine(
        make_policy(), [make_agent("mine", state=AgentState.BREAK), make_agent("other", state=AgentState.BREAK)]
    )
    assert engine.contact_arrived(call("c1", preferred_agent_id="mine"), now=0.0) == []
    assert engine.contact_arrived(call("c2", preferred_agent_id="mine"), now=0.0) == []
    assert engine.set_agent_state("other", AgentState.AVAILABLE, now=1.0) == []  # not theirs, inside the window
    [own] = engine.set_agent_state("mine", AgentState.AVAILABLE, now=5.0)
    assert (own.contact_id, own.agent_id, own.explanation.preferred_agent) == ("c1", "mine", True)
    [late] = engine.advance(20.0)  # "mine" is still on c1 when c2's window closes
    assert (late.contact_id, late.agent_id, late.explanation.trigger) == ("c2", "other", "preferred_window_ended")
    assert late.explanation.preferred_agent is False


def test_preferred_agent_who_could_never_serve_does_not_hold_the_contact():
    engine = RoutingEngine(make_policy(), [make_agent("mine", skills={"service": 5}), make_agent("other")])
    [offer] = engine.contact_arrived(call("c1", preferred_agent_id="mine"), now=0.0)
    assert (offer.agent_id, offer.explanation.preferred_agent) == ("other", False)


def test_capacity_is_never_exceeded_with_concurrent_chats():
    engine = RoutingEngine(make_policy(), [make_agent("chatty", capacity={"chat": 3, "voice": 1})])
    offers = []
    for i in range(10):
        offers += engine.contact_arrived(call(f"chat{i}", channel="chat"), now=float(i))
    assert pairs(offers) == [("chat0", "chatty"), ("chat1", "chatty"), ("chat2", "chatty")]
    assert engine.agent("chatty").load == {"chat": 3}
    [voice] = engine.contact_arrived(call("v1"), now=10.0)  # the voice slot is separate
    assert voice.agent_id == "chatty"
    for o in offers:
        engine.accept(o.contact_id, o.agent_id, now=11.0)
    [next_chat] = engine.complete("chat1", now=12.0)
    assert next_chat.contact_id == "chat3"
    assert engine.agent("chatty").load == {"chat": 3, "voice": 1}


@pytest.mark.parametrize("target", [None, 5.0])  # with a target, contacts also move when they pass it
def test_random_event_storm_never_double_assigns_nor_overfills(target):
    rng = random.Random(7)
    agents = [
        make_agent(
            f"a{i}",
            skills={"sales": rng.randint(1, 5), "service": rng.randint(1, 5)},
            capacity={"voice": 1, "chat": rng.randint(1, 3)},
            languages=rng.sample(["zh", "en"], 1),
        )
        for i in range(12)
    ]
    engine = RoutingEngine(make_policy(service_level_target_seconds=target), agents)
    channel_of, last_offer, answered = {}, {}, set()
    now = 0.0
    for i in range(3000):
        now += rng.expovariate(1.0)
        roll = rng.random()
        if roll < 0.5:
            channel_of[f"c{i}"] = rng.choice(["voice", "chat"])
            offers = engine.contact_arrived(
                call(
                    f"c{i}",
                    arrival=now,
                    channel=channel_of[f"c{i}"],
                    skills={rng.choice(["sales", "service"]): rng.randint(1, 5)},
                    language=rng.choice(["zh", "en"]),
                    tier=rng.choice(["vip", "standard"]),
                ),
                now,
            )
        elif roll < 0.8:
            offers = engine.advance(now)  # expiries first, so we only complete what is still held
            if engine.assignments():
                offers += engine.complete(rng.choice(sorted(engine.assignments())), now)
        elif roll < 0.9:
            offers = engine.advance(now)
        else:
            offers = engine.set_agent_state(rng.choice(agents).id, AgentState.AVAILABLE, now)
        for offer in offers:
            assert offer.contact_id not in answered, "answered contact offered again"
            previous = last_offer.get(offer.contact_id)
            assert previous is None or previous.expires_at <= offer.offered_at, "offered to two agents at once"
            last_offer[offer.contact_id] = offer
            if rng.random() < 0.9:
                engine.accept(offer.contact_id, offer.agent_id, now)
                answered.add(offer.contact_id)
        held = engine.assignments()
        for agent in agents:
            for channel, slots in agent.capacity.items():
                count = sum(1 for c, a in held.items() if a == agent.id and channel_of[c] == channel)
                assert agent.load.get(channel, 0) == count <= slots
    assert len(answered) > 500


def test_unanswered_offer_expires_puts_agent_on_break_and_is_re_offered():
    engine = RoutingEngine(
        make_policy(), [make_agent("first", last_assignment_time=0.0), make_agent("second", last_assignment_time=5.0)]
    )
    [offer] = engine.contact_arrived(call("c1"), now=100.0)
    assert (offer.agent_id, offer.expires_at) == ("first", 115.0)
    [again] = engine.advance(115.0)
    assert (again.contact_id, again.agent_id, again.explanation.trigger) == ("c1", "second", "re_offer")
    assert engine.agent("first").state is AgentState.BREAK
    assert engine.agent("first").load == {"voice": 0}
    with pytest.raises(ValueError, match="no pending offer"):
        engine.accept("c1", "first", now=116.0)  # too late: it went to "second"
    engine.accept("c1", "second", now=116.0)


def test_contact_nobody_can_serve_is_reported_and_rerouted_by_the_fallback():
    engine = RoutingEngine(make_policy(), [make_agent("generalist", skills={"general": 1})])
    [offer] = engine.contact_arrived(call("c1", skills={"warranty": 4}), now=0.0)
    assert offer.agent_id == "generalist"
    assert offer.explanation.fallback == "reroute"
    [report] = engine.unroutable
    assert (report.contact_id, report.action) == ("c1", "reroute")
    assert "warranty>=2" in report.reason  # the widest ring it was checked against


def test_contact_nobody_can_serve_even_after_fallback_goes_to_voicemail():
    engine = RoutingEngine(make_policy(), [make_agent("seller")])
    assert engine.contact_arrived(call("c1", skills={"warranty": 4}), now=0.0) == []
    [report] = engine.unroutable
    assert report.action == "voicemail"
    assert engine.waiting_count() == 0  # not silently stuck in a queue


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("longest_idle", "expert_busy_day"),
        ("best_proficiency", "expert_recent"),
        ("fewest_today", "novice_quiet_day"),
    ],
)
def test_agent_choice_rules(rule, expected):
    engine = RoutingEngine(
        make_policy(agent_choice=rule),
        [
            make_agent("expert_recent", skills={"sales": 5}, last_assignment_time=50.0, contacts_today=20),
            make_agent("expert_busy_day", skills={"sales": 4}, last_assignment_time=10.0, contacts_today=30),
            make_agent("novice_quiet_day", skills={"sales": 3}, last_assignment_time=40.0, contacts_today=2),
        ],
    )
    [offer] = engine.contact_arrived(call("c1"), now=60.0)
    assert offer.agent_id == expected


def decision_log():
    """A busy little center: 20 agents coming back from wrap-up one by one, 200 contacts queued."""
    rng = random.Random(3)
    engine = RoutingEngine(
        make_policy(),
        [make_agent(f"a{i}", skills={"sales": rng.randint(2, 5)}, state=AgentState.BREAK) for i in range(20)],
    )
    for i in range(200):
        engine.contact_arrived(call(f"c{i}", arrival=i * 0.5, tier=rng.choice(["vip", "standard"])), i * 0.5)
    decisions = []
    for t in range(100, 160):
        for offer in engine.set_agent_state(f"a{t % 20}", AgentState.AVAILABLE, float(t)):
            decisions.append((offer.contact_id, offer.agent_id, str(offer.explanation)))
            engine.complete(offer.contact_id, float(t), after_call_work=True)
    return decisions


def test_same_events_give_the_same_decisions():
    first = decision_log()
    assert len(first) == 60
    assert first == decision_log()


def test_decisions_do_not_depend_on_set_iteration_order():
    # Agent sets iterate in an order that changes with PYTHONHASHSEED; decisions must not.
    script = "from tests.contact_center.test_routing import decision_log; print(decision_log())"
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] == f"{decision_log()}\n"


def test_unknown_tier_is_rejected():
    engine = RoutingEngine(make_policy(), [make_agent("a")])
    with pytest.raises(ValueError, match="tier 'platinum'"):
        engine.contact_arrived(call("c1", tier="platinum"), now=0.0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fallback": None}, "fallback"),
        (
            {"fallback": {"action": "reroute", "skills": {"astrology": 1}}},
            "fallback.skills names unknown skills: astrology",
        ),
        (
            {"expansion_steps": [{"after_seconds": 30, "drop_skills": ["astrology"]}]},
            r"expansion_steps\[0\].drop_skills",
        ),
        ({"expansion_steps": [{"after_seconds": -5}]}, r"expansion_steps\[0\].after_seconds"),
        ({"expansion_steps": [{"after_seconds": 60}, {"after_seconds": 30}]}, r"expansion_steps\[1\].after_seconds"),
        ({"expansion_steps": [{"after_seconds": 30, "min_proficiency": 9}]}, r"expansion_steps\[0\].min_proficiency"),
        ({"expansion_steps": [{"after_seconds": 30, "drop": ["skills"]}]}, r"expansion_steps\[0\].drop"),
        ({"aging_weight": -1}, "aging_weight"),
        ({"preferred_agent_window_seconds": -1}, "preferred_agent_window_seconds"),
        ({"reservation_timeout_seconds": 0}, "reservation_timeout_seconds"),
        ({"agent_choice": "random"}, "agent_choice"),
        ({"tier_priority": {}}, "tier_priority"),
        ({"agin_weight": 1}, "unknown fields: agin_weight"),
        ({"service_level_target_seconds": 0}, "service_level_target_seconds must be more than 0"),
        ({"service_level_target_seconds": -20}, "service_level_target_seconds"),
        ({"service_level_target_seconds": "20"}, "service_level_target_seconds must be a number"),
        ({"service_level_target_seconds": True}, "service_level_target_seconds must be a number"),
    ],
)
def test_policy_validation_names_the_field(change, field):
    data = {
        "tier_priority": {"vip": 60, "standard": 0},
        "aging_weight": 1.0,
        "fallback": {"action": "voicemail"},
    }
    data.update(change)
    if data["fallback"] is None:
        del data["fallback"]
    with pytest.raises(ValueError, match=field):
        RoutingPolicy.from_dict(data, SKILLS)


def test_policy_reads_from_json():
    policy = RoutingPolicy.from_json(
        '{"tier_priority": {"vip": 60, "standard": 0}, "aging_weight": 1, "fallback": {"action": "voicemail"},'
        ' "expansion_steps": [{"after_seconds": 30, "min_proficiency": 2}]}',
        SKILLS,
    )
    assert policy.step_at(29.0) == 0
    assert policy.step_at(30.0) == 1
    with pytest.raises(ValueError, match="not valid JSON"):
        RoutingPolicy.from_json("{", SKILLS)


def test_policies_without_a_target_stay_valid_and_the_target_round_trips_through_json():
    for stored in (FIFO, VALUE, {**VALUE, "service_level_target_seconds": None}):
        policy = RoutingPolicy.from_json(json.dumps(stored), SKILLS)
        assert policy.service_level_target_seconds is None
        assert not policy.past_target(1e9)
    policy = RoutingPolicy.from_json(json.dumps(SLA_AWARE), SKILLS)
    assert policy.service_level_target_seconds == 20.0
    assert (policy.past_target(19.9), policy.past_target(20.0)) == (False, True)
    # within the target first, the higher score first within each group
    ranked = sorted([("std_late", "standard", 25), ("vip_late", "vip", 21), ("std_in_time", "standard", 15),
                     ("vip_in_time", "vip", 1)], key=lambda c: policy.rank(c[1], 0.0, c[2]))
    assert [name for name, _, _ in ranked] == ["vip_in_time", "std_in_time", "vip_late", "std_late"]


def answer_one_by_one(policy):
    """One agent back from wrap-up at 25, 28 and 31 s; callers: standard at 0 s and 10 s, a VIP at 20 s."""
    engine = RoutingEngine(policy, [make_agent("a", state=AgentState.BREAK)])
    for contact in (call("std_early", arrival=0.0), call("std_later", arrival=10.0),
                    call("vip", arrival=20.0, tier="vip")):
        assert engine.contact_arrived(contact, now=contact.arrival) == []
    offers = []
    for t in (25.0, 28.0, 31.0):
        [offer] = engine.set_agent_state("a", AgentState.AVAILABLE, now=t)
        engine.accept(offer.contact_id, "a", now=t)
        engine.complete(offer.contact_id, now=t, after_call_work=True)
        offers.append(offer)
    return offers


def test_sla_aware_policy_answers_in_time_a_caller_strict_priority_answers_late():
    strict = answer_one_by_one(make_policy(tier_priority={"vip": 300, "standard": 0}))
    waits = [(o.contact_id, o.explanation.waited_seconds) for o in strict]
    assert waits == [("vip", 5.0), ("std_early", 28.0), ("std_later", 21.0)]  # one of three within 20 s
    assert strict[1].explanation.within_target is None
    sla = answer_one_by_one(make_policy(tier_priority={"vip": 300, "standard": 0}, service_level_target_seconds=20))
    waits = [(o.contact_id, o.explanation.waited_seconds) for o in sla]
    # the VIP still goes before a standard caller within the target; std_early, past it, waits for std_later
    assert waits == [("vip", 5.0), ("std_later", 18.0), ("std_early", 31.0)]  # two of three within 20 s
    assert [o.explanation.within_target for o in sla] == [True, True, False]
    assert str(sla[1].explanation) == (
        "agent_available: score 18.0 = tier 0 + value 0 + aging 18.0 (18.0 s waited); ring 0 "
        "(voice, sales>=3, language=zh); skills sales 3>=3; the best-scored waiting contact this agent may take; "
        "within the 20 s target, so ahead of contacts past it"
    )
    assert str(sla[2].explanation).endswith("; past the 20 s target, so after contacts still within it")


def test_a_contact_whose_offer_lapses_past_the_target_queues_behind_those_still_in_time():
    policy = make_policy(service_level_target_seconds=20, reservation_timeout_seconds=30)
    engine = RoutingEngine(
        policy, [make_agent("absent", last_assignment_time=0.0), make_agent("back", state=AgentState.BREAK)]
    )
    [first] = engine.contact_arrived(call("c1"), now=0.0)  # offered at once, never answered
    assert first.agent_id == "absent"
    assert engine.contact_arrived(call("c2", arrival=25.0), now=25.0) == []
    assert engine.advance(30.0) == []  # the offer lapses at 30 s: c1 is back in the queue, past its target
    [offer] = engine.set_agent_state("back", AgentState.AVAILABLE, now=31.0)
    assert (offer.contact_id, offer.explanation.within_target) == ("c2", True)  # 6 s waited, ahead of c1's 31 s


def test_a_contact_arriving_already_past_the_target_goes_behind_one_within_it():
    engine = RoutingEngine(make_policy(service_level_target_seconds=20), [make_agent("off", state=AgentState.OFFLINE)])
    engine.contact_arrived(call("fresh", arrival=0.0), now=0.0)
    engine.contact_arrived(call("transferred", arrival=-40.0), now=0.0)  # queued elsewhere for 40 s already
    [offer] = engine.add_agent(make_agent("new"), now=0.0)
    assert (offer.contact_id, offer.explanation.within_target) == ("fresh", True)


def test_the_database_claim_follows_the_same_target_order(users, monkeypatch):
    """The claim layer (contact_center.services) ranks with RoutingPolicy.rank, and reads the contacts still
    within the target even when more than its per-queue budget of older ones are past it."""
    from guanxi.contact_center import services
    from guanxi.contact_center.models import Agent as AgentRow

    policy = RoutingPolicy.from_dict(SLA_AWARE, [])
    t0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    agent = AgentRow.objects.create(user=users["agent"], state=AgentRow.State.AVAILABLE, capacity={"voice": 3})

    def queue(seconds_ago, tier="standard"):
        arrival = t0 - dt.timedelta(seconds=seconds_ago)
        return services.enqueue_contact("voice", {}, tier=tier, arrival=arrival, policy=policy).pk

    std_early, std_later, vip = queue(25), queue(15), queue(5, tier="vip")
    assert [services.claim_next_contact(agent, policy, t0).pk for _ in range(3)] == [vip, std_later, std_early]
    monkeypatch.setattr(services, "CANDIDATES_PER_QUEUE", 2)
    agent.capacity = {"voice": 4}
    agent.save()
    for seconds_ago in (50, 40, 30):
        queue(seconds_ago)
    in_time = queue(10)
    assert services.claim_next_contact(agent, policy, t0).pk == in_time
