"""One vocabulary for the queue (issue 11, item 1): customer tiers, contact channels, the customer and the
timeline entry a queued contact is tied to, and the claim layer's limits (SQL eligibility, candidates per tier
and channel, expired offers, one agent per user), on whichever database the suite runs on."""

import datetime as dt
import json
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from guanxi.analytics.models import Score, ScoreModel, ScoringRun
from guanxi.contact_center import claim_sql, services
from guanxi.contact_center.models import Agent, ContactChannel, QueuedContact, timeline_channel
from guanxi.contact_center.policies import FIFO, SLA_AWARE, TIERS, VALUE, default_policy
from guanxi.contact_center.routing import CHANNELS, Contact, Requirement, RoutingPolicy
from guanxi.contact_center.routing import Agent as EngineAgent
from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers.models import Channel, Customer, Direction, Tier

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
SKILLS = ["warranty", "sales", "service", "after sales"]  # one name with a space: quoted in SQL like the others
POLICY = RoutingPolicy.from_dict({
    "tier_priority": dict.fromkeys(TIERS, 0) | {"vip": 300},
    "aging_weight": 1,
    "expansion_steps": [
        {"after_seconds": 30, "min_proficiency": 3},
        {"after_seconds": 60, "min_proficiency": 2, "drop": ["language"]},
        {"after_seconds": 90, "drop": ["region"], "drop_skills": ["service"]},
    ],
    "reservation_timeout_seconds": 15,
    "fallback": {"action": "voicemail"},
}, SKILLS)


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def make_agent(user, **fields):
    fields.setdefault("capacity", {"voice": 1})
    return Agent.objects.create(user=user, state=Agent.State.AVAILABLE, **fields)


# ---- tiers


@pytest.mark.parametrize("policy", [FIFO, VALUE, SLA_AWARE], ids=["fifo", "value", "sla_aware"])
def test_the_shipped_policies_give_every_customer_tier_a_priority(policy):
    assert set(policy["tier_priority"]) == set(Tier.values) == set(TIERS)
    assert list(TIERS) == list(Tier.values)


def test_the_value_policy_orders_the_tiers_as_the_customers_are_ranked():
    priority = default_policy().tier_priority
    assert priority["vip"] > priority["gold"] > priority["silver"] > priority["standard"] == 0


def test_a_contact_of_every_customer_tier_is_queued_and_claimed_in_tier_order(users):
    agent = make_agent(users[Role.AGENT], capacity={"voice": 4})
    queued = {tier: services.enqueue_contact("voice", tier=tier, arrival=T0).pk for tier in reversed(TIERS)}
    claimed = [services.claim_next_contact(agent, now=T0).pk for _ in TIERS]
    assert claimed == [queued[tier] for tier in TIERS]


def test_a_known_customer_s_contact_takes_the_customer_s_tier(customers):
    Customer.objects.filter(pk=customers["zhang"].pk).update(tier=Tier.GOLD)
    zhang = Customer.objects.get(pk=customers["zhang"].pk)
    contact = services.enqueue_contact("voice", customer=zhang)
    assert (contact.tier, contact.customer_id) == ("gold", zhang.pk)
    assert services.enqueue_contact("chat", customer=zhang, tier="gold").tier == "gold"  # may say it, if it agrees
    with pytest.raises(ValidationError) as error:
        services.enqueue_contact("voice", customer=zhang, tier="vip")
    assert "customer's tier (gold)" in error.value.message_dict["tier"][0]
    unknown = services.enqueue_contact("voice")
    assert (unknown.tier, unknown.customer_id) == ("standard", None)  # an unknown party


def _published(model: str, as_of: dt.date, scores: dict) -> None:
    run = ScoringRun.objects.create(model=model, version="test", as_of=as_of, state=ScoringRun.State.PUBLISHED)
    for customer, (label, value) in scores.items():
        Score.objects.create(run=run, customer_id=customer, label=label, value=value)


def test_the_value_pyramid_raises_a_caller_s_tier_and_the_lifetime_value_orders_a_tier(customers, users):
    """A customer the pyramid ranks VIP is served as a VIP; a tier given by hand is never lowered; the latest
    published run counts; lifetime value is the contact's value, which a value-weighted policy ranks by."""
    zhang, li = customers["zhang"], customers["li"]
    Customer.objects.filter(pk=li.pk).update(tier=Tier.GOLD)
    li.refresh_from_db()
    _published(ScoreModel.PYRAMID, dt.date(2026, 10, 1), {zhang.pk: ("b", 1.0)})
    _published(ScoreModel.PYRAMID, dt.date(2026, 11, 1), {zhang.pk: ("vip", 9.0), li.pk: ("c", 0.1)})
    _published(ScoreModel.CLV, dt.date(2026, 11, 1), {zhang.pk: ("", 183_000.0), li.pk: ("", 9_000.0)})
    first = services.enqueue_contact("voice", customer=zhang, arrival=T0)
    assert (first.tier, first.value) == ("vip", 183_000.0)
    assert services.enqueue_contact("voice", customer=li, arrival=T0).tier == "gold"  # "c" does not lower it
    with pytest.raises(ValidationError) as error:
        services.enqueue_contact("voice", customer=zhang, tier="standard")
    assert "customer's tier (vip)" in error.value.message_dict["tier"][0]
    wang = customers["wang"]
    assert services.enqueue_contact("voice", customer=wang).value == 0.0  # not scored: no value


@pytest.mark.parametrize("tier, message", [
    ("platinum", "“platinum” is not a customer tier (vip, gold, silver, standard)"),
    ("", "“” is not a customer tier"),
])
def test_an_unknown_tier_is_a_validation_error_naming_the_field(db, tier, message):
    with pytest.raises(ValidationError) as error:
        services.enqueue_contact("voice", tier=tier)
    assert message in error.value.message_dict["tier"][0]
    assert not QueuedContact.objects.exists()


def test_a_policy_without_the_customer_s_tier_refuses_the_contact_rather_than_strand_it(customers):
    Customer.objects.filter(pk=customers["li"].pk).update(tier=Tier.SILVER)
    two_tiers = RoutingPolicy.from_dict({"tier_priority": {"vip": 1, "standard": 0}, "aging_weight": 1,
                                         "fallback": {"action": "voicemail"}}, [])
    with pytest.raises(ValidationError) as error:
        services.enqueue_contact("voice", customer=Customer.objects.get(pk=customers["li"].pk), policy=two_tiers)
    assert "not a tier of the routing policy (vip, standard)" in error.value.message_dict["tier"][0]


# ---- channels


def test_one_vocabulary_of_contact_channels_mapped_once_onto_the_timeline():
    assert tuple(ContactChannel.values) == CHANNELS == ("voice", "email", "chat", "sms", "wechat")
    assert {channel: timeline_channel(channel) for channel in CHANNELS} == {
        "voice": Channel.PHONE, "email": Channel.EMAIL, "chat": Channel.CHAT, "sms": Channel.SMS,
        "wechat": Channel.WECHAT,
    }
    with pytest.raises(ValueError):
        timeline_channel("phone")  # the timeline's word, not a contact channel


def test_the_engine_refuses_a_channel_outside_the_vocabulary():
    with pytest.raises(ValueError, match="channel must be one of voice, email, chat, sms, wechat, got 'phone'"):
        Contact("c1", "phone", 0.0)
    with pytest.raises(ValueError, match="'fax' is not a channel"):
        EngineAgent("a1", {}, {"voice": 1, "fax": 1})


def test_a_queue_or_an_agent_on_an_unknown_channel_is_refused_naming_the_field(users):
    with pytest.raises(ValidationError) as error:
        services.enqueue_contact("phone")
    [message] = error.value.message_dict["channel"]
    assert "“phone” is not a contact channel (voice, email, chat, sms, wechat)" in message
    with pytest.raises(ValidationError) as error:
        Agent(user=users[Role.AGENT], capacity={"voice": 1, "fax": 2}).full_clean()
    assert "'fax' is not a channel" in error.value.message_dict["capacity"][0]
    with pytest.raises(ValidationError) as error:
        services.enqueue_contact("voice", {"skills": {"warranty": 2}, "queue": "vip"})
    assert "unknown fields: queue" in error.value.message_dict["requirement"][0]


# ---- the customer and the timeline entry


def test_an_answered_contact_becomes_the_customer_s_timeline_entry_and_its_notes(customers, users):
    agent = make_agent(users[Role.AGENT], capacity={"wechat": 2})
    zhang = customers["zhang"]
    contact = services.enqueue_contact("wechat", customer=zhang, arrival=T0 - dt.timedelta(seconds=20))
    assert services.claim_next_contact(agent, now=T0).pk == contact.pk
    accepted = services.accept_offer(agent, contact.pk, now=T0 + dt.timedelta(seconds=3))
    entry = accepted.interaction
    assert entry.customer_id == zhang.pk and accepted.customer_id == zhang.pk
    assert (entry.channel, entry.direction, entry.user_id) == (Channel.WECHAT, Direction.INBOUND, agent.user_id)
    assert entry.occurred_at == contact.arrival and entry.org_unit_id == users[Role.AGENT].primary_unit_id
    services.complete_contact(agent, contact.pk, summary="Asked for the next service date")
    entry.refresh_from_db()
    assert entry.summary == "Asked for the next service date"
    assert list(zhang.interactions.all()) == [entry]  # one entry per contact, not one per step


def test_an_unknown_party_s_contact_writes_no_timeline_entry(users):
    agent = make_agent(users[Role.AGENT])
    contact = services.enqueue_contact("voice", arrival=T0)
    services.claim_next_contact(agent, now=T0)
    assert services.accept_offer(agent, contact.pk, now=T0).interaction is None
    services.complete_contact(agent, contact.pk, summary="wrong number")
    contact.refresh_from_db()
    assert (contact.state, contact.customer_id, contact.interaction_id) == ("done", None, None)


def test_a_voice_contact_completed_without_being_answered_still_lands_on_the_timeline_as_a_phone_call(customers, users):
    agent = make_agent(users[Role.AGENT])
    contact = services.enqueue_contact("voice", customer=customers["li"], arrival=T0)
    services.claim_next_contact(agent, now=T0)
    services.complete_contact(agent, contact.pk)
    contact.refresh_from_db()
    assert contact.interaction.channel == Channel.PHONE and contact.interaction.customer_id == customers["li"].pk


# ---- the claim layer


def test_an_expired_offer_is_refused_and_goes_back_to_the_queue(users):
    agent = make_agent(users[Role.AGENT])
    contact = services.enqueue_contact("voice", arrival=T0, policy=POLICY)
    services.claim_next_contact(agent, POLICY, T0)
    with pytest.raises(ValidationError) as error:
        services.accept_offer(agent, contact.pk, POLICY, T0 + dt.timedelta(seconds=15))  # the engine's expiry instant
    assert "expired (not answered within 15 s)" in error.value.message_dict["contact"][0]
    contact.refresh_from_db()
    agent.refresh_from_db()
    assert (contact.state, contact.offered_to_id, agent.state) == ("waiting", None, "break")
    colleague = make_agent(users[Role.SUPERVISOR])
    assert services.claim_next_contact(colleague, POLICY, T0 + dt.timedelta(seconds=16)).pk == contact.pk
    assert services.accept_offer(colleague, contact.pk, POLICY, T0 + dt.timedelta(seconds=30)).state == "assigned"


def test_an_agent_is_offered_only_callers_whose_record_it_may_open(customers, users):
    """A dealer's own agent (sales staff answering the dealer's line) was offered a caller of another dealer
    and could not open the record it was meant to answer; the call center sees everyone."""
    dealer_agent = make_agent(users[Role.DEALER_SALES])
    wang = services.enqueue_contact("voice", customer=customers["wang"], arrival=T0 - dt.timedelta(seconds=30))
    unknown = services.enqueue_contact("voice", arrival=T0 - dt.timedelta(seconds=20))
    zhang = services.enqueue_contact("voice", customer=customers["zhang"], arrival=T0 - dt.timedelta(seconds=10))
    assert services.claim_next_contact(dealer_agent, now=T0).pk == unknown.pk  # wang (D-GZ1) is older, not its
    services.complete_contact(dealer_agent, unknown.pk)
    assert services.claim_next_contact(dealer_agent, now=T0).pk == zhang.pk
    services.complete_contact(dealer_agent, zhang.pk)
    assert services.claim_next_contact(dealer_agent, now=T0) is None
    call_center = make_agent(users[Role.AGENT], extension="8000")  # a call goes to an agent with a telephone
    assert services.dispatch(wang, now=T0) == [(wang, call_center)]


def test_push_routing_checks_the_caller_s_record_once_per_scope_not_once_per_agent(org, customers, users):
    """Every free agent of a dealer shares its scope: finding who may answer a known caller costs the same
    queries with two of the dealer's agents free as with eight (their memberships are cached, as in service)."""
    def queries_to_choose_for(contact):
        services._free_agents_in_choice_order(contact, default_policy(), T0)  # fills the membership cache
        with CaptureQueriesContext(connection) as queries:
            chosen = services._free_agents_in_choice_order(contact, default_policy(), T0)
        return len(queries), chosen

    def gz1_agent(name, extension):
        return make_agent(User.objects.create_user(name, role=Role.DEALER_SALES, org_unit=org["D-GZ1"]),
                          extension=extension)

    wang = services.enqueue_contact("voice", customer=customers["wang"], arrival=T0 - dt.timedelta(seconds=5))
    stranger = make_agent(users[Role.DEALER_SALES], extension="8200")  # another dealer's: never offered wang
    own = [make_agent(users["other_dealer"], extension="8100"), gz1_agent("gz1_a", "8101")]  # wang's dealer
    few, chosen = queries_to_choose_for(wang)
    assert set(chosen) == set(own)
    own += [gz1_agent(f"gz1_{n}", f"81{n + 2:02d}") for n in range(6)]
    many, chosen = queries_to_choose_for(wang)
    assert set(chosen) == set(own) and stranger not in chosen
    assert many == few


def test_a_user_is_on_the_roster_once(users):
    make_agent(users[Role.AGENT])
    with pytest.raises(IntegrityError), transaction.atomic():
        make_agent(users[Role.AGENT], capacity={"chat": 3})
    assert Agent.objects.get(user=users[Role.AGENT]).capacity == {"voice": 1}


def test_contacts_the_agent_may_not_take_never_crowd_out_one_it_may(users, monkeypatch):
    """Eligibility is narrowed in SQL: the oldest contacts of a tier asking a skill this agent lacks do not fill
    the bounded read and hide a younger one it may take."""
    monkeypatch.setattr(services, "CANDIDATES_PER_QUEUE", 2)
    junior = make_agent(users[Role.AGENT], skills={"warranty": 2}, languages=["zh"], capacity={"voice": 1, "chat": 1})
    for seconds in (25, 24, 23, 22):
        services.enqueue_contact("voice", {"skills": {"warranty": 5}}, arrival=T0 - dt.timedelta(seconds=seconds),
                                 policy=POLICY)
        services.enqueue_contact("voice", {"skills": {"warranty": 1}, "language": "en"},
                                 arrival=T0 - dt.timedelta(seconds=seconds), policy=POLICY)
    mine = services.enqueue_contact("voice", {"skills": {"warranty": 2}, "language": "zh"},
                                    arrival=T0 - dt.timedelta(seconds=5), policy=POLICY)
    chat = services.enqueue_contact("chat", {}, arrival=T0 - dt.timedelta(seconds=1), policy=POLICY)
    make_agent(users[Role.SUPERVISOR], skills={"warranty": 5}, languages=["en"])  # someone may take the others
    assert services.claim_next_contact(junior, POLICY, T0).pk == mine.pk
    assert services.claim_next_contact(junior, POLICY, T0).pk == chat.pk  # its other channel, read on its own


def test_each_tier_and_channel_is_read_so_the_best_of_each_competes(users, monkeypatch):
    monkeypatch.setattr(services, "CANDIDATES_PER_QUEUE", 1)
    agent = make_agent(users[Role.AGENT], capacity={"voice": 1, "email": 1, "chat": 1})
    services.enqueue_contact("voice", arrival=T0 - dt.timedelta(seconds=100), policy=POLICY)
    email = services.enqueue_contact("email", arrival=T0 - dt.timedelta(seconds=200), policy=POLICY)
    vip_chat = services.enqueue_contact("chat", tier="vip", arrival=T0 - dt.timedelta(seconds=1), policy=POLICY)
    assert [services.claim_next_contact(agent, POLICY, T0).pk for _ in range(2)] == [vip_chat.pk, email.pk]


def test_an_agent_who_frees_slots_is_offered_one_contact_for_each_best_first_as_the_engine_fills_an_agent(
        users, django_assert_max_num_queries):
    """An email desk of three: coming on duty fills it at once (in one claim: the reserving statement takes up to
    three), best first; a closed email frees one slot, which takes one more; the minute sweep fills what is left."""
    agent = make_agent(users[Role.AGENT], capacity={"email": 3, "voice": 1})
    vip = services.enqueue_contact("email", tier="vip", arrival=T0 - dt.timedelta(seconds=10), policy=POLICY)
    older = [services.enqueue_contact("email", arrival=T0 - dt.timedelta(seconds=100 - n), policy=POLICY)
             for n in range(4)]
    budget = 10 if connection.vendor == "postgresql" else 30
    with django_assert_max_num_queries(budget):
        offers = services.dispatch_agent(agent, "email", now=T0)
    assert [contact.pk for contact, _agent in offers] == [vip.pk, older[0].pk, older[1].pk]
    assert {contact.offered_to_id for contact, _agent in offers} == {agent.pk}
    assert services.dispatch_agent(agent, "email", now=T0) == []  # the desk is full
    QueuedContact.objects.filter(pk=vip.pk).update(state=QueuedContact.State.DONE)
    assert [contact.pk for contact, _agent in services.dispatch_agent(agent, "email", now=T0)] == [older[2].pk]
    QueuedContact.objects.filter(pk__in=[older[0].pk, older[1].pk]).update(state=QueuedContact.State.DONE)
    assert [contact.pk for contact, _agent in services.offer_to_free_agents(now=T0)] == [older[3].pk]
    assert QueuedContact.objects.filter(state=QueuedContact.State.OFFERED, offered_to=agent).count() == 2


def test_the_roster_check_finds_the_one_agent_who_can_serve_whenever_it_is_asked(users, django_user_model):
    """Each arrival asks whether anyone could ever serve it; the agents are made into the engine's only as far as
    the first who can, so the answers must not depend on the order the requirements are asked in."""
    make_agent(users[Role.AGENT], skills={"warranty": 2}, languages=["zh"])
    make_agent(users[Role.SUPERVISOR], skills={"sales": 4}, languages=["zh", "en"])
    make_agent(django_user_model.objects.create(username="cantonese"), skills={"sales": 1}, languages=["yue"])

    def need(skills, language):
        return Requirement(channel="voice", skills=tuple(sorted(skills.items())), language=language)

    anyone_meets = services._roster_meets()
    assert anyone_meets(need({"sales": 1}, "yue"))  # the last agent only
    assert anyone_meets(need({"warranty": 1}, "zh"))  # the first, already made
    assert not anyone_meets(need({"warranty": 3}, None))  # nobody: every agent made and checked
    assert anyone_meets(need({"sales": 4}, "en"))
    asked_in_turn = services._roster_meets()
    assert [asked_in_turn(need(*asked)) for asked in [({"warranty": 3}, None), ({"sales": 4}, "en"),
                                                     ({"sales": 1}, "yue")]] == [False, True, True]


def test_the_sql_narrowing_agrees_with_the_engine_s_rule_on_random_queues(users):
    """For random agents and requirements at every ring, the rows SQL keeps are exactly those the engine's
    Requirement.is_met_by accepts."""
    rng = random.Random(11)
    rows = []
    for _ in range(300):
        requirement = {}
        if rng.random() < 0.8:
            requirement["skills"] = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(1, 2))}
        if rng.random() < 0.5:
            requirement["language"] = rng.choice(["zh", "en", "yue"])
        elif rng.random() < 0.2:
            requirement["language"] = None  # an older row's explicit null asks nothing, like a missing key
        if rng.random() < 0.4:
            requirement["region"] = rng.choice(["east", "south"])
        rows.append(QueuedContact(channel="voice", requirement=requirement,
                                  arrival=T0 - dt.timedelta(seconds=rng.uniform(0, 120) + 0.0005)))
    rows.append(QueuedContact(channel="voice", requirement={"skills": None}, arrival=T0 - dt.timedelta(seconds=1)))
    QueuedContact.objects.bulk_create(rows)
    contacts = list(QueuedContact.objects.all())
    assert len(contacts) == 301
    for i in range(25):
        agent = EngineAgent(
            f"a{i}", {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(0, 3))}, {"voice": 1},
            frozenset(rng.sample(["zh", "en", "yue"], rng.randint(0, 2))),
            frozenset(rng.sample(["east", "south"], rng.randint(0, 1))),
        )
        in_sql = _kept_by_sql(agent)
        by_engine = set()
        for contact in contacts:
            rings = POLICY.ladder(contact.requirement_for_engine())
            waited = (T0 - contact.arrival).total_seconds()
            if rings[min(POLICY.step_at(waited), len(rings) - 1)].is_met_by(agent):
                by_engine.add(contact.pk)
        assert in_sql == by_engine, (agent, sorted(in_sql ^ by_engine))
        assert 0 < len(by_engine) or not agent.skills


def _kept_by_sql(agent: EngineAgent) -> set[int]:
    """The contacts the claim's SQL keeps for the agent: the ORM's clauses (SQLite) or the ring-by-ring
    condition of PostgreSQL's one statement."""
    if connection.vendor != "postgresql":
        asked, eligible = services._eligible_for(agent, POLICY, T0)
        return set(QueuedContact.objects.alias(**asked).filter(eligible).values_list("pk", flat=True))
    table = QueuedContact._meta.db_table
    waited = f'EXTRACT(EPOCH FROM (%(now)s - {table}."arrival"))'
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE {claim_sql._meets_its_ring(POLICY.expansion_steps, waited)}",
                       {"now": T0, "skills": json.dumps(agent.skills), "languages": sorted(agent.languages),
                        "regions": sorted(agent.regions)})
        return {pk for (pk,) in cursor.fetchall()}


def test_a_claim_reads_the_queue_in_a_bounded_number_of_queries(users, django_assert_max_num_queries):
    agent = make_agent(users[Role.AGENT], skills={"warranty": 3}, capacity={"voice": 1, "chat": 2})
    for n in range(40):
        services.enqueue_contact(["voice", "chat"][n % 2], {"skills": {"warranty": 1 + n % 3}},
                                 tier=TIERS[n % 4], arrival=T0 - dt.timedelta(seconds=n))
    # the policy in force, lock the agent, the reach of its user (memberships), its load, the candidates (one
    # ranked statement on PostgreSQL; 4 tiers x 2 channels on SQLite), reserve the chosen contact (on PostgreSQL
    # one statement that also logs the offer and stamps the agent; on SQLite lock it, write it, the agent's last
    # assignment and the event log's line), the agent's state and its state log's line, the savepoint and its end
    budget = 10 if connection.vendor == "postgresql" else 20
    with django_assert_max_num_queries(budget):
        assert services.claim_next_contact(agent, now=T0) is not None


# ---- the data migration


@pytest.mark.django_db(transaction=True)
def test_the_migration_brings_old_rows_into_the_vocabulary_and_keeps_one_agent_per_user(django_user_model):
    executor = MigrationExecutor(connection)
    before = [("contact_center", "0004_queue_permission")]
    after = executor.loader.graph.leaf_nodes("contact_center")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldAgent, OldContact = old.get_model("contact_center", "Agent"), old.get_model("contact_center", "QueuedContact")
    user = django_user_model.objects.create_user("twice")
    first = OldAgent.objects.create(user_id=user.pk, capacity={"phone": 1, "webchat": 3, "fax": 1}, state="busy")
    second = OldAgent.objects.create(user_id=user.pk, capacity={"voice": 2})
    held = OldContact.objects.create(channel="Phone", arrival=T0, state="assigned", offered_to=second, offered_at=T0)
    waiting_fax = OldContact.objects.create(channel="fax", arrival=T0)
    done_fax = OldContact.objects.create(channel="fax", arrival=T0, state="done")
    weixin = OldContact.objects.create(channel="weixin", arrival=T0)

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    [agent] = Agent.objects.all()
    assert (agent.pk, agent.capacity) == (first.pk, {"voice": 1, "chat": 3})
    assert agent.user_id == user.pk and agent.to_engine().capacity == {"voice": 1, "chat": 3}
    contacts = {c.pk: c for c in QueuedContact.objects.all()}
    assert (contacts[held.pk].channel, contacts[held.pk].offered_to_id) == ("voice", first.pk)  # the same person
    assert contacts[weixin.pk].channel == "wechat" and contacts[weixin.pk].state == "waiting"
    assert contacts[waiting_fax.pk].state == "voicemail"
    assert "'fax' is not a contact channel" in contacts[waiting_fax.pk].unroutable_reason
    assert (contacts[done_fax.pk].state, contacts[done_fax.pk].channel) == ("done", "fax")  # history as it was
    assert all(c.customer_id is None and c.interaction_id is None for c in contacts.values())
