"""Domain events: written with their change, handed to every consumer at least once, each
consumer's effect once; jobs act as the system actor."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from guanxi.contact_center import tasks as cc_tasks
from guanxi.contact_center.models import Agent, QueuedContact
from guanxi.core import outbox
from guanxi.core.jobs import SYSTEM_USERNAME, as_job, system_actor
from guanxi.core.models import DomainEvent, EventReceipt, Notification
from guanxi.core.registry import EventConsumer, registry
from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.models import Customer


@pytest.fixture
def consumers(monkeypatch):
    """Replaces the registered consumers with the test's own for the test's duration."""
    installed = []
    monkeypatch.setattr(registry, "event_consumers", installed)
    return installed


def test_an_event_is_written_with_its_change_and_only_if_it_commits(users, org):
    admin = users[Role.ADMIN]
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_customer(admin, {"name": "回滚", "home_dealer_id": org["D-SH1"].pk})
        raise RuntimeError("the request fails after the write")
    assert not DomainEvent.objects.exists()
    customer = services.create_customer(admin, {"name": "赵敏", "home_dealer_id": org["D-SH1"].pk})
    names = list(DomainEvent.objects.filter(object_id=str(customer.pk)).values_list("name", "actor__username"))
    assert ("customers.customer.created", admin.username) in names
    assert ("customers.relationship.added", admin.username) in names


def test_events_carry_ids_and_codes_never_personal_data(users, customers):
    change = {"city": "杭州", "national_id": "11010519491231002X"}
    services.update_customer(users[Role.ADMIN], customers["zhang"].pk, change)
    changed = DomainEvent.objects.get(name="customers.customer.changed")
    assert changed.payload == {"fields": ["city", "national_id"]}
    assert "杭州" not in str(changed.payload) and "张伟" not in str(DomainEvent.objects.values_list("payload"))


def test_dispatch_hands_each_event_to_each_interested_consumer_once(users, customers, consumers):
    seen = []
    consumers.append(EventConsumer("test.all_customers", ("customers.customer.",), lambda e: seen.append(e.pk)))
    consumers.append(EventConsumer("test.stages", ("customers.customer.stage_changed",), lambda e: seen.append(-e.pk)))
    services.change_stage(users[Role.ADMIN], customers["wang"], "owner")
    stage_event = DomainEvent.objects.get(name="customers.customer.stage_changed")
    assert outbox.dispatch() == DomainEvent.objects.count()
    assert seen.count(stage_event.pk) == 1 and seen.count(-stage_event.pk) == 1
    assert outbox.dispatch() == 0  # nothing is handed out twice
    assert len(seen) == len(set(seen))


def test_a_failing_consumer_is_retried_without_repeating_the_others(users, customers, consumers):
    calls = {"steady": 0, "flaky": 0}

    def steady(event):
        calls["steady"] += 1

    def flaky(event):
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            raise ConnectionError("webhook receiver down")

    consumers.extend([EventConsumer("test.steady", ("x.",), steady), EventConsumer("test.flaky", ("x.",), flaky)])
    with transaction.atomic():
        event = outbox.emit("x.happened")
    outbox.dispatch()
    event.refresh_from_db()
    assert event.handled_at is None and event.attempts == 1 and "webhook receiver down" in event.last_error
    assert outbox.dispatch() == 0  # not retried at once: the receiver gets a minute to come back
    assert outbox.dispatch(now=timezone.now() + dt.timedelta(minutes=2)) == 1  # only this event was left
    assert calls == {"steady": 1, "flaky": 2}
    receipts = set(EventReceipt.objects.filter(event=event).values_list("consumer", flat=True))
    assert receipts == {"test.steady", "test.flaky"}


def test_an_event_that_keeps_failing_stops_after_the_last_attempt(db, consumers):
    consumers.append(EventConsumer("test.broken", ("x.",), lambda e: 1 / 0))
    event = outbox.emit("x.happened")
    later = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS + 3):
        later += dt.timedelta(hours=2)
        outbox.dispatch(now=later)
    event.refresh_from_db()
    assert event.attempts == outbox.MAX_ATTEMPTS and event.handled_at is None
    assert "ZeroDivisionError" in event.last_error


def test_a_consumers_database_effect_rolls_back_with_its_failure(users, customers, consumers):
    def half_done(event):
        Customer.objects.filter(pk=customers["li"].pk).update(city="写了一半")
        raise ValueError("then failed")

    consumers.append(EventConsumer("test.half_done", ("x.",), half_done))
    outbox.emit("x.happened")
    outbox.dispatch()
    assert Customer.objects.get(pk=customers["li"].pk).city == ""


# --- the notifications consumer --------------------------------------------------------------------


def test_a_dealer_hears_of_a_customer_head_office_assigns_to_it(users, org):
    services.create_customer(users[Role.AGENT], {"name": "钱多多", "home_dealer_id": org["D-SH1"].pk})
    outbox.dispatch()
    told = Notification.objects.filter(title__contains="钱多多")
    assert sorted(told.values_list("user__username", flat=True)) == ["u_dealer_manager", "u_dealer_sales"]
    assert all(n.link.startswith("/customers/") for n in told)
    outbox.dispatch()
    assert told.count() == 2


def test_a_dealer_creating_its_own_customer_is_not_told_of_it(users, org):
    services.create_customer(users[Role.DEALER_SALES], {"name": "孙自己"})
    outbox.dispatch()
    assert not Notification.objects.exists()


def test_a_notification_speaks_the_recipients_language(users, org):
    manager = users[Role.DEALER_MANAGER]
    manager.language = "en"
    manager.save()
    services.create_customer(users[Role.AGENT], {"name": "Li Lei", "home_dealer_id": org["D-SH1"].pk})
    outbox.dispatch()
    assert Notification.objects.get(user=manager).title == "Owner of record for D-SH1: Li Lei"
    assert "D-SH1" in Notification.objects.get(user=users[Role.DEALER_SALES]).title


# --- jobs --------------------------------------------------------------------------------------------


def test_jobs_act_as_a_system_actor_that_cannot_sign_in(client, users, customers):
    with as_job():
        services.update_customer(system_actor(), customers["wang"].pk, {"tier": "gold"})
    entry = LogEntry.objects.get_for_object(customers["wang"]).latest("timestamp")
    assert entry.actor.username == SYSTEM_USERNAME and entry.additional_data["channel"] == "job"
    assert not client.login(request=HttpRequest(), username=SYSTEM_USERNAME, password="")
    assert system_actor().pk == system_actor().pk  # one system user


def test_the_contact_center_jobs_release_expired_offers_and_report_unroutable_contacts(users):
    agent = Agent.objects.create(user=users[Role.AGENT], state=Agent.State.AVAILABLE, capacity={"voice": 1})
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    offered = QueuedContact.objects.create(channel="voice", requirement={}, tier="standard", arrival=long_ago,
                                           state=QueuedContact.State.OFFERED, offered_to=agent, offered_at=long_ago)
    assert cc_tasks.release_expired_offers.call_local() == 1
    offered.refresh_from_db()
    agent.refresh_from_db()
    assert offered.state == QueuedContact.State.WAITING and agent.state == Agent.State.BREAK
    assert cc_tasks.report_unroutable.call_local() == 0


def test_users_read_only_their_own_notifications_and_mark_them_read(client, users, org):
    services.create_customer(users[Role.AGENT], {"name": "周到", "home_dealer_id": org["D-SH1"].pk})
    outbox.dispatch()
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("notifications")).content.decode()
    assert "周到" in page and 'class="badge badge-count">1<' in page
    client.post(reverse("notifications"))
    assert 'badge-count' not in client.get(reverse("notifications")).content.decode()
    client.force_login(users["other_dealer"])  # D-GZ1 was not told
    assert "周到" not in client.get(reverse("notifications")).content.decode()
    client.force_login(users[Role.DEALER_MANAGER])  # the manager's copy stays unread
    assert 'class="badge badge-count">1<' in client.get(reverse("home")).content.decode()


def test_an_audit_context_ends_with_its_block(users):
    from guanxi.core.audit import audit_context, current_actor, current_channel

    with audit_context(users[Role.ADMIN], "api"):
        assert current_actor() == users[Role.ADMIN] and current_channel() == "api"
    assert current_actor() is None and current_channel() == ""


def test_no_news_for_a_unit_that_lost_the_customer_before_the_worker_ran(users, org):
    customer = services.create_customer(users[Role.ADMIN], {"name": "秘密客户", "home_dealer_id": org["D-GZ1"].pk})
    services.update_customer(users[Role.ADMIN], customer.pk, {"home_dealer_id": org["D-SH1"].pk})
    outbox.dispatch()
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert "u_other_dealer" not in told and {"u_dealer_sales", "u_dealer_manager"} <= told
