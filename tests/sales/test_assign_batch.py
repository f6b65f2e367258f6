"""Leads handed over in a batch (assignment.assign_waiting) end exactly as when handed over one by one
(assignment.assign_automatically): the same dealers, and the same rows everywhere."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.audit import Channel, audit_context
from guanxi.core.calendar import public_calendar
from guanxi.core.jobs import system_actor
from guanxi.core.models import DomainEvent
from guanxi.core.working_hours import add_working_time
from guanxi.customers.models import Customer, CustomerRelationship, Vehicle
from guanxi.sales import assignment
from guanxi.sales.models import DealerDesk, DistributionRule, Lead, LeadEvent

pytestmark = pytest.mark.django_db

# (province, customer, repurchase): Shanghai's two dealers share 上海 at the same priority, Guangzhou's
# takes 广东, nobody takes 西藏 (the lead waits for head office)
LEADS = [("上海", "p1", False), ("上海", "p2", False), ("广东", "p3", False), ("上海", "zhang", True),
         ("上海", "p4", False), ("西藏", "p5", False), ("上海", "li", True), ("上海", "p1", False),
         ("上海", "p6", False), ("上海", "p7", False), ("广东", "p3", False), ("上海", "p9", False),
         ("上海", "p10", False), ("上海", "p11", False)]
LEAD_FIELDS = ("customer_id", "dealer_id", "status", "why_dealer", "tried_dealers", "assigned_at", "accept_by",
               "accepted_at", "contact_by", "escalated_at", "updated_at")


@pytest.fixture
def waiting_leads(org, customers):
    """Leads no dealer has yet, on desks that make every rule of the ranking count: D-SH1 has a
    good record and room for three leads, D-SH2 no record yet (the top band's chance) and room for
    four, so that both are full before the end; Zhang's
    car was sold by D-GZ1 (his repurchase goes there), Li's by nobody (her home dealer D-SH2)."""
    for dealer, province in (("D-SH1", "上海"), ("D-SH2", "上海"), ("D-GZ1", "广东")):
        DistributionRule.objects.create(dealer=org[dealer], priority=10, province=province)
    DealerDesk.objects.filter(dealer=org["D-SH1"]).update(capacity=3, assigned=10, accepted_in_time=9,
                                                            contacted_in_time=9)
    DealerDesk.objects.filter(dealer=org["D-SH2"]).update(capacity=4)
    DealerDesk.objects.filter(dealer=org["D-GZ1"]).update(last_assigned_at=timezone.now() - dt.timedelta(days=1))
    Vehicle.objects.filter(vin="LSVAU218XN2183294").update(selling_dealer=org["D-GZ1"])
    people = dict(customers)
    ids = []
    for province, who, repurchase in LEADS:
        if who not in people:
            people[who] = Customer.objects.create(name=f"客户{who}", province=province)
        lead = Lead.objects.create(customer=people[who], model="帕萨特 Passat", province=province,
                                   repurchase=repurchase, org_unit=org["CC"])
        ids.append(lead.pk)
    return ids


def one_by_one(ids):
    actor = system_actor()
    with audit_context(actor=actor, channel=Channel.JOB):
        for lead in Lead.objects.filter(pk__in=ids).order_by("pk"):
            with transaction.atomic():
                assignment.assign_automatically(lead, actor)


def in_a_batch(ids):
    actor = system_actor()
    with audit_context(actor=actor, channel=Channel.JOB):
        assignment.assign_waiting(Lead.objects.filter(pk__in=ids).order_by("pk"), actor)


def records(ids, since_event, since_entry):
    """Every row the hand-overs wrote, the ids of rows they made replaced by their order of making."""
    customer_ids = set(Lead.objects.filter(pk__in=ids).values_list("customer_id", flat=True))
    relationships = list(CustomerRelationship.objects.filter(customer_id__in=customer_ids, kind="lead")
                         .order_by("pk").values("pk", "customer_id", "org_unit_id", "kind", "since", "until", "source"))
    made = {row.pop("pk"): n for n, row in enumerate(relationships)}
    relationship_type = ContentType.objects.get_for_model(CustomerRelationship).pk
    entries = []
    for entry in LogEntry.objects.filter(pk__gt=since_entry).order_by("pk").values(
            "content_type_id", "object_id", "object_repr", "action", "changes", "actor_id", "actor_email",
            "additional_data", "cid", "serialized_data", "remote_addr"):
        if entry["content_type_id"] == relationship_type:
            entry["object_id"] = made[entry["object_id"]]
            entry["changes"]["id"] = ["None", "made"]
            entry["object_repr"] = ""
        entries.append(entry)
    return {
        "leads": list(Lead.objects.filter(pk__in=ids).order_by("pk").values(*LEAD_FIELDS)),
        "lead events": list(LeadEvent.objects.filter(lead_id__in=ids).order_by("pk")
                            .values("lead_id", "kind", "at", "user_id", "dealer_id", "note")),
        "relationships": relationships,
        "desks": list(DealerDesk.objects.order_by("pk").values()),
        "domain events": list(DomainEvent.objects.filter(pk__gt=since_event).order_by("pk")
                              .values("name", "object_type_id", "object_id", "payload", "actor_id", "channel")),
        "audit entries": entries,
    }


def both_ways(ids):
    """(records one by one, records in a batch), each from the same start."""
    system_actor()
    since_event = DomainEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    since_entry = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    found = []
    for path in (one_by_one, in_a_batch):
        with transaction.atomic():
            path(ids)
            found.append(records(ids, since_event, since_entry))
            transaction.set_rollback(True)
    return found


def test_a_batch_writes_the_same_rows_as_one_by_one_on_a_stopped_clock(waiting_leads, monkeypatch):
    stopped = timezone.now().replace(hour=3)  # 11:00 in Shanghai: the desks are open
    monkeypatch.setattr(timezone, "now", lambda: stopped)
    alone, batched = both_ways(waiting_leads)
    for kind in alone:
        assert batched[kind] == alone[kind], kind
    dealers = [row["dealer_id"] for row in alone["leads"]]
    reasons = {reason[0] for row in alone["leads"] for reason in row["why_dealer"]}
    assert None in dealers and len(set(dealers)) == 4  # three dealers, and one lead left for head office
    assert {"rule", "previous_dealer", "performance", "all_full", "no_rule"} <= reasons
    pairs = {(row["customer_id"], row["dealer_id"]) for row in alone["leads"] if row["dealer_id"]}
    assert len(pairs) == len(LEADS) - 2  # p3 asked twice (Guangzhou's dealer both times), 西藏 unassigned
    assert len(alone["relationships"]) == len(pairs) and len(alone["audit entries"]) == len(LEADS) + len(pairs)


def test_on_a_running_clock_the_dealers_and_the_service_levels_are_the_same(waiting_leads):
    alone, batched = both_ways(waiting_leads)
    assert ([(row["dealer_id"], row["why_dealer"]) for row in batched["leads"]]
            == [(row["dealer_id"], row["why_dealer"]) for row in alone["leads"]])
    for kind in ("domain events", "lead events", "relationships", "audit entries"):
        assert len(batched[kind]) == len(alone[kind]), kind
    assert ([(desk["dealer_id"], desk["assigned"]) for desk in batched["desks"]]
            == [(desk["dealer_id"], desk["assigned"]) for desk in alone["desks"]])
    handed = [row for row in batched["leads"] if row["dealer_id"]]
    hours = {desk.dealer_id: desk.hours() for desk in DealerDesk.objects.all()}
    for row in handed:
        due = add_working_time(row["assigned_at"], assignment.ACCEPT_WITHIN, hours[row["dealer_id"]])
        assert row["accept_by"] == due
    assert [event["at"] for event in batched["lead events"]] == [row["assigned_at"] for row in handed]
    for desk in batched["desks"]:
        mine = [row["assigned_at"] for row in handed if row["dealer_id"] == desk["dealer_id"]]
        assert desk["last_assigned_at"] == max(mine), desk
    assert [row["assigned_at"] for row in handed] == sorted(row["assigned_at"] for row in handed)


def test_a_batch_costs_the_same_queries_whatever_its_size(waiting_leads):
    public_calendar()  # read once per process, not per batch
    counts = []
    for size in (7, len(LEADS)):
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            in_a_batch(waiting_leads[:size])
            transaction.set_rollback(True)
        counts.append(len(captured))
    assert counts[0] == counts[1] and counts[1] < 30, counts


def test_a_batch_takes_only_leads_no_dealer_has(waiting_leads, org):
    Lead.objects.filter(pk=waiting_leads[0]).update(dealer=org["D-SH1"], status="assigned")
    with pytest.raises(ValueError, match="no dealer has yet"):
        in_a_batch(waiting_leads)
    assert assignment.assign_waiting([], system_actor()) == []
