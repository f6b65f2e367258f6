"""Each role's home page shows the cards of its work (issue 7): the agent their queue, the
supervisor the live queue, head office the charts of the base, dealers and service stations the
cars whose warranty ends soon; each card counts only what the user may see."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.contact_center.models import Agent, QueuedContact
from guanxi.core.roles import Role
from guanxi.customers.models import Vehicle

CARDS = ("My day", "My queue", "Live queue", "The customer base", "Warranty ending soon")


def cards_on_home(client, user) -> set[str]:
    client.force_login(user)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return {card for card in CARDS if f"<h2>{card}</h2>" in page}


@pytest.mark.parametrize("role, expected", [
    (Role.AGENT, {"My day", "My queue", "Warranty ending soon"}),
    (Role.SUPERVISOR, {"My day", "Live queue", "Warranty ending soon"}),
    (Role.HQ_MARKETING, {"My day", "The customer base"}),
    (Role.ANALYST, {"My day", "Live queue", "The customer base"}),
    (Role.DEALER_SALES, {"My day", "Warranty ending soon"}),
    (Role.SERVICE_ADVISOR, {"My day", "Warranty ending soon"}),
])
def test_each_role_gets_the_cards_of_its_work(client, users, customers, role, expected):
    assert cards_on_home(client, users[role]) == expected


def test_the_agent_sees_the_contacts_offered_to_them_and_how_many_wait(client, users):
    agent = Agent.objects.create(user=users[Role.AGENT], capacity={"voice": 1}, state="busy")
    other = Agent.objects.create(user=users[Role.SUPERVISOR], capacity={"voice": 1})
    now = timezone.now()
    mine = QueuedContact.objects.create(channel="voice", tier="vip", arrival=now - dt.timedelta(seconds=40),
                                        state="assigned", offered_to=agent, offered_at=now)
    QueuedContact.objects.create(channel="voice", arrival=now, state="offered", offered_to=other, offered_at=now)
    for _ in range(3):
        QueuedContact.objects.create(channel="email", arrival=now)
    client.force_login(users[Role.AGENT])
    card = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").context["widgets"]
    text = next(html for html in card if "My queue" in html)
    assert f"#{mine.pk}" in text and text.count("voice #") == 1
    assert "<strong>1</strong><span>Offered to me or mine" in text
    assert "<strong>3</strong><span>Waiting for anyone" in text


def test_the_supervisor_sees_the_queue_per_channel_and_agents_per_state(client, users):
    now = timezone.now()
    for seconds in (10, 95):
        QueuedContact.objects.create(channel="voice", arrival=now - dt.timedelta(seconds=seconds))
    QueuedContact.objects.create(channel="chat", arrival=now - dt.timedelta(seconds=5))
    QueuedContact.objects.create(channel="chat", arrival=now - dt.timedelta(seconds=500), state="done")
    Agent.objects.create(user=users[Role.AGENT], capacity={"voice": 1}, state="available")
    client.force_login(users[Role.SUPERVISOR])
    text = next(html for html in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").context["widgets"]
                if "Live queue" in html)
    rows = [row.split("</td><td")[0].split(">")[-1] for row in text.split("<tr><td>")[1:]]
    assert rows == ["chat", "voice"]
    assert '<td class="num">2</td><td class="num">9' in text  # two voice calls, the longest ~95 s
    assert "<strong>1</strong><span>Available" in text


def test_head_office_charts_count_the_base_by_tier_province_and_spend(client, users, customers):
    from guanxi.customers import services

    services.update_customer(users[Role.ADMIN], customers["li"].pk, {"tier": "gold", "province": "上海"})
    client.force_login(users[Role.HQ_MARKETING])
    widget = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").context["widgets"]
    text = next(html for html in widget if "The customer base" in html)
    assert 'href="/customers/?tier=gold">1</a>' in text and 'href="/customers/?tier=standard">2</a>' in text
    assert '<span class="bar-label">上海</span>' in text
    assert '<span class="bar-label">under 100,000</span>' in text


def test_warranties_ending_soon_are_those_of_cars_the_user_may_see(client, users, customers):
    soon = timezone.localdate() + dt.timedelta(days=20)
    Vehicle.objects.filter(vin__in=["LSVAU218XN2183294", "LSVCC6A48PN000007"]).update(warranty_end=soon)
    Vehicle.objects.create(vin="LSVAU2180N2000001", model="Lavida", model_year=2024,
                           warranty_end=soon + dt.timedelta(days=100))

    def warranty_card(user):
        client.force_login(user)
        widgets = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").context["widgets"]
        return next(html for html in widgets if "Warranty ending soon" in html)

    dealer = warranty_card(users[Role.DEALER_SALES])  # 张伟's Passat: D-SH1's customer
    assert "沪A12345" in dealer and "张伟" in dealer and "LSVCC6A48PN000007" not in dealer
    station = warranty_card(users[Role.SERVICE_ADVISOR])  # 李娜's Tiguan: serviced at S-SH
    assert "LSVCC6A48PN000007" in station and "李娜" in station and "沪A12345" not in station
    everyone = warranty_card(users[Role.AGENT])
    assert '<span class="kpi">2</span>' in everyone and "LSVAU2180N2000001" not in everyone


def test_the_warranty_card_names_only_owners_the_user_may_see(client, users, customers, org):
    """A workshop role that sees the cars it services but not their owners (roles are data)."""
    from django.contrib.auth.models import Group, Permission

    from guanxi.core.models import User

    technician = Group.objects.create(name="technician")
    technician.permissions.add(*Permission.objects.filter(content_type__app_label="customers",
                                                          codename__in=["view_vehicle", "change_vehicle"]))
    user = User.objects.create_user("u_technician", password="x", role="technician", org_unit=org["S-SH"])
    soon = timezone.localdate() + dt.timedelta(days=20)
    Vehicle.objects.filter(vin="LSVCC6A48PN000007").update(warranty_end=soon)  # 李娜's, serviced at S-SH
    client.force_login(user)
    card = next(html for html in client.get(reverse("home")).context["widgets"] if "LSVCC6A48PN000007" in html)
    assert "李娜" not in card and reverse("customers:detail", args=[customers["li"].pk]) not in card
    client.force_login(users[Role.SERVICE_ADVISOR])  # who may see her: named
    card = next(html for html in client.get(reverse("home")).context["widgets"] if "LSVCC6A48PN000007" in html)
    assert "李娜" in card

