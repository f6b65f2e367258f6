"""Contact-center figures from the event log and the agents' state log (issue 11, item 5): a seeded day written
through the real services, its figures per interval, tier, channel, agent and queue (occupancy and utilisation
included) equal to values computed by hand, the page, its CSV and the API, and who may see them."""

import csv
import datetime as dt
import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import translation

from guanxi.contact_center import desktop_tools, kpis, services, voice
from guanxi.contact_center.models import Agent, ContactEvent, StaffingPlan
from guanxi.core.roles import Role

DAY = dt.date(2026, 11, 23)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
API = "/api/contact-center/kpis"
ALLOWED = {Role.ADMIN, Role.SUPERVISOR, Role.ANALYST}  # the roles holding contact_center.view_staffing


def at(clock: str) -> dt.datetime:
    """A local time of DAY ("10:00:05")."""
    return dt.datetime.combine(DAY, dt.time.fromisoformat(clock), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def day(users, customers, settings):
    """One morning of the center, two agents on voice (A also on chat), every step through the services. Both log
    in at 10:00 and out at 11:00; B takes a break from 10:15 to 10:40. No after-call work: an agent is free when
    the caller hangs up (time in after-call work counts as handling: test_occupancy_counts_after_call_work).

    contact  channel tier     queue     queued    answered (wait)       completed (handle)   else
    C1       voice   standard warranty  10:00:00  10:00:10 by A (10 s)  10:05:10 (300 s)
    C2       voice   vip      sales     10:01:00  10:01:30 by B (30 s)  10:03:30 (120 s)
    C3       voice   standard general   10:02:00  -                     -                    gone 10:02:03 (3 s)
    C4       voice   standard general   10:10:00  -                     -                    gone 10:10:40 (40 s)
    C5       chat    standard general   10:30:00  10:30:05 by A (5 s)   10:40:05 (600 s)
    C6       voice   vip      general   10:45:00  10:45:15 by B (15 s)  10:50:15 by A (300 s) to A 10:47
             on hold 10:46:00-10:46:40 (40 s); A's Done 10:51:15, after the call ended (60 s of wrap)
    C7       voice   standard general   10:50:00  -                     -                    gone 10:50:12 (12 s)
    O1       voice   outbound by A, dialled 10:55:00, the customer answers 10:55:20, ends 10:58:20
    C0       voice   standard general   the day before, 23:50, hangs up 23:51: not in the day
    ("gone": the caller hung up before an answer; 3 s is a short abandon; "to A": B transfers the call to A)
    """
    settings.GUANXI_AFTER_CALL_WORK_SECONDS = 0
    a = Agent.objects.create(user=users[Role.AGENT], extension="8001",
                             skills={"warranty": 3, "sales": 3}, capacity={"voice": 1, "chat": 1})
    b = Agent.objects.create(user=users[Role.SUPERVISOR], extension="8002",
                             skills={"warranty": 3, "sales": 3}, capacity={"voice": 1})

    def answered(agent, contact, offered, picked_up):
        assert services.claim_next_contact(agent, now=at(offered)).pk == contact.pk
        services.accept_offer(agent, contact.pk, now=at(picked_up))

    def call(name, clock, tier="standard", skill=None):
        return services.enqueue_contact("voice", {"skills": {skill: 1}} if skill else None, tier=tier,
                                        arrival=at(clock), external_id=name)

    services.enqueue_contact("voice", arrival=at("00:00:00") - dt.timedelta(minutes=10), external_id="c0")
    voice.call_ended("c0", at("00:00:00") - dt.timedelta(minutes=9))
    services.set_agent_state(a, Agent.State.AVAILABLE, now=at("10:00:00"))
    services.set_agent_state(b, Agent.State.AVAILABLE, now=at("10:00:00"))
    c1 = call("c1", "10:00:00", skill="warranty")
    answered(a, c1, "10:00:05", "10:00:10")
    c2 = call("c2", "10:01:00", tier="vip", skill="sales")
    answered(b, c2, "10:01:20", "10:01:30")
    call("c3", "10:02:00")
    voice.call_ended("c3", at("10:02:03"))
    services.complete_contact(b, c2.pk, now=at("10:03:30"))
    services.complete_contact(a, c1.pk, now=at("10:05:10"))
    call("c4", "10:10:00")
    voice.call_ended("c4", at("10:10:40"))
    services.set_agent_state(b, Agent.State.BREAK, now=at("10:15:00"))
    c5 = services.enqueue_contact("chat", arrival=at("10:30:00"))
    answered(a, c5, "10:30:02", "10:30:05")
    services.set_agent_state(b, Agent.State.AVAILABLE, now=at("10:40:00"))
    services.complete_contact(a, c5.pk, now=at("10:40:05"))
    c6 = call("c6", "10:45:00", tier="vip")
    answered(b, c6, "10:45:10", "10:45:15")
    voice.call_held("c6", at("10:46:00"))
    voice.call_retrieved("c6", at("10:46:40"))
    voice.call_transferred("c6", extension="8001", at=at("10:47:00"))
    call("c7", "10:50:00")
    voice.call_ended("c7", at("10:50:12"))
    voice.call_ended("c6", at("10:50:15"))
    desktop_tools.wrap_up_contact(a, c6.pk, "resolved", now=at("10:51:15"))
    services.start_outbound(a, customers["zhang"], "voice", party="13800138000", external_id="o1", now=at("10:55:00"))
    voice.call_answered("o1", "8001", at("10:55:20"))
    voice.call_ended("o1", at("10:58:20"))
    services.set_agent_state(a, Agent.State.OFFLINE, now=at("11:00:00"))
    services.set_agent_state(b, Agent.State.OFFLINE, now=at("11:00:00"))
    return {"a": a, "b": b}


def picked(row: dict, expected: dict) -> bool:
    """The row's figures named in `expected` equal them (floats to rounding)."""
    return {key: row[key] for key in expected} == pytest.approx(expected)


def figures(user, **options):
    return kpis.contact_center_kpis(user, DAY, **options)


def test_the_seeded_day_s_figures_by_interval_equal_the_hand_computed_ones(users, day):
    result = figures(users[Role.SUPERVISOR], by="interval", interval_minutes=30, target_seconds=20)
    first, second = result["rows"]
    assert [first["label"], second["label"]] == ["10:00", "10:30"]  # from the first busy interval to the last
    # 10:00-10:30: C1 (10 s), C2 (30 s) answered; C3 a short abandon (3 s); C4 abandoned after 40 s
    assert picked(first, {
        "offered": 4, "answered": 2, "answered_in_time": 1, "abandoned": 1, "short_abandoned": 1,
        "service_level": 1 / 2,  # C1 in time, of C1 and C2
        "service_level_with_abandons": 1 / 3,  # C1 / (C1, C2 + C4 who waited past 20 s)
        "asa_seconds": 20.0,  # (10 + 30) / 2
        "aht_seconds": 210.0,  # (300 + 120) / 2
        "abandonment": 1 / 3,  # C4 / (4 offered - 1 short abandon)
        "transfer_rate": 0.0, "contacts_per_hour": 4.0,  # 2 answered in half an hour
        "outbound_dialled": 0, "outbound_answered": 0,
    })
    # 10:30-11:00: C5 (5 s), C6 (15 s) answered, C6 transferred; C7 hung up after 12 s (within the target: it
    # counts as abandoned, but in neither service level); O1 dialled out and answered
    assert picked(second, {
        "offered": 3, "answered": 2, "answered_in_time": 2, "abandoned": 1, "short_abandoned": 0,
        "service_level": 1.0, "service_level_with_abandons": 1.0,
        "asa_seconds": 10.0,  # (5 + 15) / 2
        "aht_seconds": 480.0,  # (600 + 360) / 2, C6 from B's answer to A's end and A's wrap-up after it
        "hold_seconds": 20.0, "wrap_seconds": 30.0,  # C6's 40 s on hold and 60 s of wrap, over C5 and C6
        "abandonment": 1 / 3, "transfer_rate": 1 / 2, "contacts_per_hour": 4.0,
        "outbound_dialled": 1, "outbound_answered": 1,
    })
    assert picked(result["total"], {
        "offered": 7, "answered": 4, "answered_in_time": 3, "abandoned": 2, "short_abandoned": 1,
        "service_level": 3 / 4, "service_level_with_abandons": 3 / 5,  # 3 / (4 answered + C4)
        "asa_seconds": 15.0,  # (10 + 30 + 5 + 15) / 4
        "aht_seconds": 345.0,  # (300 + 120 + 600 + 360) / 4
        "hold_seconds": 10.0, "wrap_seconds": 15.0,
        "abandonment": 2 / 6, "transfer_rate": 1 / 4,
        "contacts_per_hour": 4 / 24,  # 4 answered over the day's 24 hours
        "outbound_dialled": 1, "outbound_answered": 1,
    })


def test_quarter_hours_keep_the_empty_interval_between_busy_ones_and_the_target_moves_the_service_level(users, day):
    rows = figures(users[Role.ANALYST], interval_minutes=15, target_seconds=30)["rows"]
    assert [(r["label"], r["offered"], r["answered"]) for r in rows] == [
        ("10:00", 4, 2), ("10:15", 0, 0), ("10:30", 1, 1), ("10:45", 2, 1)]
    assert rows[0]["service_level"] == 1.0  # C2's 30 s is within a 30 s target
    assert rows[0]["service_level_with_abandons"] == pytest.approx(2 / 3)  # C4 still waited past it
    assert rows[1]["service_level"] is None and rows[1]["asa_seconds"] is None  # nothing to divide: not 0


def test_by_tier_channel_agent_and_queue(users, day):
    user = users[Role.SUPERVISOR]
    tiers = {r["key"]: r for r in figures(user, by="tier")["rows"]}
    # vip: C2 (30 s, 120 s), C6 (15 s, 360 s with its wrap, transferred)
    assert picked(tiers["vip"], {
        "offered": 2, "answered": 2, "service_level": 1 / 2, "asa_seconds": 22.5, "aht_seconds": 240.0,
        "abandonment": 0.0, "transfer_rate": 1 / 2, "label": "VIP"})
    # standard: C1 (10 s, 300 s), C5 (5 s, 600 s); C3 short; C4 (40 s), C7 (12 s) abandoned; O1 the customer's tier
    assert picked(tiers["standard"], {
        "offered": 5, "answered": 2, "abandoned": 2, "short_abandoned": 1, "service_level": 1.0,
        "service_level_with_abandons": 2 / 3, "asa_seconds": 7.5, "aht_seconds": 450.0, "abandonment": 2 / 4,
        "outbound_dialled": 1})
    channels = {r["key"]: r for r in figures(user, by="channel")["rows"]}
    # voice: C1 (10 s), C2 (30 s), C6 (15 s) answered; C4, C7 abandoned, C3 short; chat: C5
    assert picked(channels["voice"], {
        "offered": 6, "answered": 3, "service_level": 2 / 3, "service_level_with_abandons": 2 / 4,
        "asa_seconds": 55 / 3, "aht_seconds": 260.0, "abandonment": 2 / 5, "transfer_rate": 1 / 3})
    assert picked(channels["chat"], {
        "offered": 1, "answered": 1, "service_level": 1.0, "asa_seconds": 5.0, "aht_seconds": 600.0,
        "label": "Web chat"})
    agents = {r["key"]: r for r in figures(user, by="agent")["rows"]}
    a, b = day["a"].pk, day["b"].pk
    assert list(agents) == sorted([a, b], key=str) + [kpis.NO_AGENT]  # nobody's last
    assert (agents[a]["answered"], agents[a]["aht_seconds"], agents[a]["outbound_dialled"]) == (2, 450.0, 1)
    assert (agents[b]["answered"], agents[b]["asa_seconds"], agents[b]["transfer_rate"]) == (2, 22.5, 0.5)
    assert agents[kpis.NO_AGENT]["offered"] == 3 and agents[kpis.NO_AGENT]["label"] == "(not answered)"
    assert agents[a]["label"] == str(users[Role.AGENT])
    queues = {r["key"]: (r["offered"], r["answered"]) for r in figures(user, by="queue")["rows"]}
    assert queues == {"general": (5, 2), "sales": (1, 1), "warranty": (1, 1)}


def test_occupancy_and_utilisation_of_the_seeded_day_equal_the_hand_computed_ones(users, day):
    """From the state log and the event log of the fixture's morning:

    A: logged in 10:00-11:00 (3600 s). Handling C1 10:00:10-10:05:10 (300 s), C5 10:30:05-10:40:05 (600 s), C6 from
       B's transfer 10:47:00-10:50:15 (195 s), O1 from the dialling 10:55:00-10:58:20 (200 s): 1295 s. Available
       10:00:00-10:00:05, 10:05:10-10:30:02, 10:40:05-10:47:00, 10:50:15-10:55:00, 10:58:20-11:00:00:
       5 + 1492 + 415 + 285 + 100 = 2297 s (C1 and C5 rang 5 and 3 s: neither).
    B: logged in 3600 s, 1500 of them on a break. Handling C2 10:01:30-10:03:30 (120 s), C6 10:45:15-10:47:00
       (105 s): 225 s. Available 10:00:00-10:01:20, 10:03:30-10:15:00, 10:40:00-10:45:10, 10:47:00-11:00:00:
       80 + 690 + 310 + 780 = 1860 s.
    """
    user = users[Role.SUPERVISOR]
    agents = {r["key"]: r for r in figures(user, by="agent")["rows"]}
    a, b = agents[day["a"].pk], agents[day["b"].pk]
    assert picked(a, {"handling_seconds": 1295, "available_seconds": 2297, "logged_in_seconds": 3600,
                      "occupancy": 1295 / (1295 + 2297), "utilisation": 1295 / 3600})
    assert picked(b, {"handling_seconds": 225, "available_seconds": 1860, "logged_in_seconds": 3600,
                      "occupancy": 225 / (225 + 1860), "utilisation": 225 / 3600})  # the break lowers utilisation
    assert agents[kpis.NO_AGENT]["occupancy"] is None and agents[kpis.NO_AGENT]["logged_in_seconds"] is None

    first, second = figures(user, by="interval", interval_minutes=30)["rows"]
    # 10:00-10:30: A handles 300 s, available 5 + 1490 (to 10:30:00); B handles 120 s, available 80 + 690
    assert picked(first, {"handling_seconds": 420, "available_seconds": 2265, "logged_in_seconds": 3600,
                          "occupancy": 420 / 2685, "utilisation": 420 / 3600})
    # 10:30-11:00: A handles 600 + 195 + 200, available 2 + 415 + 285 + 100; B handles 105, available 310 + 780
    assert picked(second, {"handling_seconds": 1100, "available_seconds": 1892, "logged_in_seconds": 3600,
                           "occupancy": 1100 / 2992, "utilisation": 1100 / 3600})
    total = figures(user)["total"]
    assert picked(total, {"handling_seconds": 1520, "available_seconds": 4157, "logged_in_seconds": 7200,
                          "occupancy": 1520 / 5677, "utilisation": 1520 / 7200})
    assert figures(user, by="channel")["rows"][0]["occupancy"] is None  # an agent's time is not per channel


def test_agent_time_alone_over_plain_rows():
    """No database: chats held at once count once, after-call work is handling, a contact still held runs to the
    end of what has passed, and time handled while the log says offline is nobody's."""
    start, until = at("09:00:00"), at("10:00:00")

    def state(name, clock, agent=1):
        return kpis.StateRow(agent, name, at(clock))

    def hold(kind, clock, contact, agent=1, to_agent=None):
        return kpis.HandlingRow(contact, kind, at(clock), agent, to_agent)

    states = [state("available", "08:30:00"),  # in force at 09:00
              state("busy", "09:10:00"), state("acw", "09:30:00"), state("available", "09:35:00"),
              state("offline", "09:50:00"), state("available", "09:00:00", agent=2)]
    handling = [hold("answered", "09:10:00", 1), hold("answered", "09:20:00", 2), hold("completed", "09:25:00", 2),
                hold("completed", "09:30:00", 1), hold("answered", "09:40:00", 3, agent=2),  # held past 10:00
                hold("answered", "09:55:00", 4)]  # agent 1 is offline by then
    times = kpis.agent_time(states, sorted(handling, key=lambda r: r.at), start, until)
    one, two = times[1].seconds(), times[2].seconds()
    # agent 1: logged in 09:00-09:50; handling 09:10-09:30 (two chats, counted once) + after-call work 09:30-09:35
    assert one == (25 * 60, 25 * 60 + 10 * 60 + 15 * 60, 50 * 60)  # available 09:00-09:10 and 09:35-09:50
    assert two == (20 * 60, 60 * 60, 60 * 60)  # 09:40 to the end of what has passed
    rows = kpis.figures([], start, until, by="interval", interval_minutes=30, agents=times)["rows"]
    assert [(r["key"], r["handling_seconds"]) for r in rows] == [
        (at("09:00:00"), 20 * 60), (at("09:30:00"), 5 * 60 + 20 * 60)]


def test_the_arithmetic_alone_over_plain_rows():
    """No database: a re-offered, declined and answered-twice contact still counts once, from its first answer."""
    start = at("00:00:00")

    def row(kind, clock, agent=None, contact=1):
        return kpis.EventRow(contact, kind, at(clock), agent, "voice", "in", "gold", "general")

    events = [row("queued", "09:00:00"), row("offered", "09:00:05", 7), row("declined", "09:00:06", 7),
              row("answered", "09:00:25", 8), row("transferred", "09:01:00", 8), row("answered", "09:01:05", 9),
              row("completed", "09:03:25", 9), row("queued", "09:10:00", contact=2),
              row("abandoned", "09:10:05", contact=2)]  # 5 s exactly: a short abandon
    result = kpis.figures(events, start, start + dt.timedelta(days=1), by="agent")
    [answered, nobody] = result["rows"]
    assert answered["key"] == 8 and nobody["key"] == kpis.NO_AGENT
    assert picked(answered, {"offered": 1, "answered": 1, "asa_seconds": 25.0, "aht_seconds": 180.0,
                             "service_level": 0.0, "transfer_rate": 1.0})
    assert (nobody["short_abandoned"], nobody["abandoned"], nobody["abandonment"]) == (1, 0, None)
    tight = kpis.figures(events, start, start + dt.timedelta(days=1), target_seconds=2)["total"]
    assert tight["service_level_with_abandons"] == 0.0  # the short abandon counts neither way below 5 s either
    assert kpis.figures(events[:-2] + [row("queued", "09:10:00", contact=2), row("answered", "09:10:01", 8, 2)],
                        start, start + dt.timedelta(days=1), target_seconds=2)["total"][
        "service_level_with_abandons"] == 0.5
    empty = kpis.figures([], start, start + dt.timedelta(days=1))
    assert empty["rows"] == [] and picked(empty["total"], {"offered": 0, "service_level": None, "asa_seconds": None,
                                                           "contacts_per_hour": 0.0})


# ---- the page, its CSV and the API


def test_the_page_shows_the_table_and_chart_and_the_csv_equals_the_table(client, users, day):
    client.force_login(users[Role.SUPERVISOR])
    query = {"day": DAY.isoformat(), "days": "1", "by": "interval", "interval_minutes": "30", "target_seconds": "20"}
    response = client.get(reverse("contact_center:kpis"), query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    table = response.context["table"]
    assert table["rows"][0][:6] == ["10:00", "4", "2", "1", "1", "50.0%"]
    assert table["total"][0] == "Total" and table["total"][6] == "60.0%"
    page = response.content.decode()
    assert 'id="kpi-chart"' in page and "contact_center/kpis.js" in page and "format=csv" in page
    assert f'href="{reverse("contact_center:kpis")}" class="nav-item active"' in page
    assert response.context["chart"]["service_level"] == [50.0, 100.0]
    # the tiles: C4 and C7 abandoned of 6 (C3 a short abandon), ASA (10 + 30 + 5 + 15) / 4
    assert response.context["summary"] == {"service_level": "75.0%", "asa_seconds": "15.0", "abandonment": "33.3%",
                                           "forecast_error": None, "staffed_share": None}

    download = client.get(reverse("contact_center:kpis"), {**query, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines == [table["head"], *table["rows"], table["total"]]


PLAN = {"volumes": "6", "start": "10:00", "interval_minutes": "60", "aht_seconds": "180", "target_answer_seconds": "20",
        "target_percent": "80", "max_occupancy_percent": "100", "shrinkage_percent": "0"}


def test_a_plan_saved_for_the_day_is_set_beside_what_happened(client, users, day):
    """The supervisor saves a one-hour plan of 6 contacts for the seeded day; the figures by 30 minutes show its
    forecast spread over the hour (3 and 3) beside the 4 and 3 contacts offered, the agents planned beside the two
    logged in, and the day's forecast error (|4 - 3| + |3 - 3|) / 6; on the page, the API and in the chart."""
    client.force_login(users[Role.SUPERVISOR])
    staffing = reverse("contact_center:staffing")
    response = client.post(f"{staffing}?{urlencode(PLAN)}", {"day": DAY.isoformat(), "note": "forecast v1"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response.url == f"{staffing}?{urlencode(PLAN)}"
    plan = StaffingPlan.objects.get()
    assert (plan.day, plan.interval_minutes, plan.arguments["volumes"], plan.saved_by) == (
        DAY, 60, [6.0], users[Role.SUPERVISOR])
    [scheduled] = plan.scheduled
    assert scheduled >= 1

    query = {"day": DAY.isoformat(), "days": "1", "by": "interval", "interval_minutes": "30", "target_seconds": "20"}
    response = client.get(reverse("contact_center:kpis"), query, HTTP_ACCEPT_LANGUAGE="en")
    compared = response.context["result"]["plan"]
    rows = [(row["label"], row["forecast"], row["offered"], row["planned_agents"], row["staffed_agents"])
            for row in compared["rows"]]
    # A and B logged in from 10:00 to 11:00 (B's break counts as logged in): 2 agents on average in each half hour
    assert rows == [("10:00", 3.0, 4, scheduled, 2.0), ("10:30", 3.0, 3, scheduled, 2.0)]
    assert (compared["forecast"], compared["offered"]) == (6.0, 7)
    assert compared["forecast_error"] == pytest.approx(1 / 6)
    assert compared["staffed_share"] == pytest.approx(2 / scheduled)
    assert response.context["summary"]["forecast_error"] == "16.7%"
    page = response.content.decode()
    assert 'id="plan-chart"' in page and "forecast v1" in page
    assert response.context["plan_chart"]["forecast"] == [3.0, 3.0]

    body = client.get(API, {"day": DAY.isoformat()}).json()
    assert body["plan"]["forecast_error"] == pytest.approx(1 / 6)
    assert body["plan"]["saved_by"] == str(users[Role.SUPERVISOR])
    assert [row["offered"] for row in body["plan"]["rows"]] == [4, 3]
    assert client.get(API, {"day": DAY.isoformat(), "by": "channel"}).json()["plan"] is None  # by interval only

    # saved again, the later plan is the day's
    client.post(f"{staffing}?{urlencode({**PLAN, 'volumes': '7'})}", {"day": DAY.isoformat()})
    assert client.get(API, {"day": DAY.isoformat()}).json()["plan"]["forecast"] == pytest.approx(7.0)


def test_the_page_opens_on_today_and_names_a_bad_field(client, users, db):
    client.force_login(users[Role.ANALYST])
    response = client.get(reverse("contact_center:kpis"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response.context["table"]["rows"] == []
    assert "No contacts in this period." in response.content.decode()
    response = client.get(reverse("contact_center:kpis"), {"day": DAY.isoformat(), "days": "40", "by": "interval",
                                                           "interval_minutes": "30", "target_seconds": "20"})
    assert response.status_code == 200 and "days" in response.context["form"].errors


def test_the_api_gives_the_same_figures(client, users, day):
    client.force_login(users[Role.ANALYST])
    body = client.get(API, {"day": DAY.isoformat(), "by": "tier", "target_seconds": 20},
                      HTTP_ACCEPT_LANGUAGE="en").json()
    assert [row["label"] for row in body["rows"]] == ["Standard", "VIP"]
    assert body["total"]["offered"] == 7 and body["total"]["service_level_with_abandons"] == pytest.approx(0.6)
    assert body["by"] == "tier" and body["start"].startswith("2026-11-23T00:00:00+08:00")


@pytest.mark.parametrize("query, field", [
    ({"days": 32}, "days"), ({"days": 0}, "days"), ({"interval_minutes": 7}, "interval_minutes"),
    ({"target_seconds": -1}, "target_seconds"), ({"by": "colour"}, "by"),
])
def test_a_period_too_long_or_bad_options_are_422_naming_the_field(client, users, query, field):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get(API, {"day": DAY.isoformat(), **query})
    assert response.status_code == 422, response.content
    assert field in str(response.json()["detail"])


def test_the_page_and_the_api_are_for_supervisors_analysts_and_admins(client, users):
    assert set(users) >= ALLOWED
    for role, user in users.items():
        client.force_login(user)
        allowed = role in ALLOWED
        assert client.get(reverse("contact_center:kpis")).status_code == (200 if allowed else 403), role
        assert client.get(API, {"day": DAY.isoformat()}).status_code == (200 if allowed else 403), role
        home = client.get(reverse("home")).content.decode()
        assert (reverse("contact_center:kpis") in home) == allowed, role
    client.logout()
    assert client.get(API).status_code == 401
    assert client.get(reverse("contact_center:kpis")).status_code == 302


def test_events_after_the_day_of_a_contact_queued_in_it_count_and_other_kinds_are_ignored(users, day):
    """A call queued at 23:59:50 and answered after midnight is the day's; commands and DTMF change nothing."""
    late = services.enqueue_contact("voice", arrival=at("23:59:50"), external_id="late")
    services.set_agent_state(day["a"], Agent.State.AVAILABLE, now=at("23:59:55"))  # offered at once
    services.accept_offer(day["a"], late.pk, now=at("23:59:55") + dt.timedelta(seconds=10))
    services.log_event(late, ContactEvent.Kind.DTMF, at("23:59:51"), digits="1")
    last = figures(users[Role.SUPERVISOR])["rows"][-1]
    assert (last["label"], last["offered"], last["answered"], last["asa_seconds"]) == ("23:30", 1, 1, 15.0)


# ---- first-contact resolution


def test_a_contact_is_resolved_when_the_customer_does_not_come_back_within_seven_days():
    day = dt.datetime(2026, 10, 1, 10, tzinfo=SHANGHAI)
    arrivals = [(1, 100, day), (2, 100, day + dt.timedelta(days=7)),  # back on the 7th day: not resolved
                (3, 100, day + dt.timedelta(days=20)),
                (4, 200, day), (5, 300, day + dt.timedelta(days=2))]
    now = day + dt.timedelta(days=9)
    assert kpis.customer_returns(arrivals, now) == {1: True, 4: False, 5: False}  # 2, 3: not known yet
    assert kpis.customer_returns(arrivals, day + dt.timedelta(days=30)) == {1: True, 2: False, 3: False, 4: False,
                                                                            5: False}


def test_first_contact_resolution_counts_answered_contacts_of_known_customers_whose_answer_is_known(users, customers):
    """Zhang calls, is answered, and calls again two days later; Li calls once; an unknown caller is answered; a
    call of Zhang's nobody answered counts for nothing. Five weeks on: Zhang's first call was not resolved, Li's
    was, Zhang's second was: 2 of 3."""
    first = dt.date(2026, 10, 1)
    agent = Agent.objects.create(user=users[Role.AGENT], extension="8001", capacity={"voice": 1})
    services.set_agent_state(agent, Agent.State.AVAILABLE, now=dt.datetime.combine(first, dt.time(9), SHANGHAI))

    def call(customer, days, clock, answer=True):
        when = dt.datetime.combine(first + dt.timedelta(days=days), dt.time.fromisoformat(clock), SHANGHAI)
        contact = services.enqueue_contact("voice", customer=customer, arrival=when, external_id=f"fcr-{when}")
        if not answer:
            voice.call_ended(contact.external_id, when + dt.timedelta(seconds=30))
            return
        assert services.claim_next_contact(agent, now=when).pk == contact.pk
        services.accept_offer(agent, contact.pk, now=when + dt.timedelta(seconds=5))
        services.complete_contact(agent, contact.pk, now=when + dt.timedelta(minutes=3))

    call(customers["zhang"], 0, "10:00:00")
    call(customers["li"], 0, "10:10:00")
    call(None, 0, "10:20:00")
    call(customers["zhang"], 0, "10:30:00", answer=False)  # came back, unanswered: a return all the same
    call(customers["zhang"], 2, "10:00:00")
    week = kpis.contact_center_kpis(users[Role.SUPERVISOR], first, days=7, by="channel")
    assert week["total"]["first_contact_resolution"] == pytest.approx(2 / 3)
    [voice_row] = week["rows"]
    assert voice_row["first_contact_resolution"] == pytest.approx(2 / 3)
    assert kpis.contact_center_kpis(users[Role.SUPERVISOR], first, by="channel")["total"][
        "first_contact_resolution"] == 0.5  # the first day's: Zhang's and Li's first calls
