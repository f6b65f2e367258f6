"""The contact-center floor of the demo: eight more agents on the roster and the last hour of contacts, played
through the contact center's own services (queued, routed, answered, abandoned, finished; breaks and a
shift ending), so that the event log, the agents' state log and the queues hold what a live center's would and the
wallboard and the figures have something to show at once: calls waiting past the target, agents busy, one on a
long break.

The demo agent (users.AGENT_ROSTER_ENTRY) is left alone, for the desktop: every contact here asks for a skill
(insurance, finance, loyalty) or comes through a channel (SMS, WeChat) the demo agent does not have.
"""

import datetime as dt
import heapq
import itertools
import random

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.contact_center import services, staffing_plans, voice
from guanxi.contact_center.models import Agent, QueuedContact
from guanxi.core.models import User
from guanxi.core.roles import Role

# username, name, skills (1-5), capacity per channel, extension
ROSTER = [
    ("cc_wanglei", "王磊", {"finance": 4, "insurance": 2}, {"voice": 1}, "8011"),
    ("cc_chenjing", "陈静", {"insurance": 5}, {"voice": 1}, "8012"),
    ("cc_liuyang", "刘洋", {"insurance": 4, "finance": 3}, {"voice": 1, "wechat": 2}, "8013"),
    ("cc_zhaomin", "赵敏", {"finance": 3, "loyalty": 4}, {"chat": 3, "email": 4}, ""),
    ("cc_sunhao", "孙浩", {"loyalty": 3, "finance": 2}, {"voice": 1, "sms": 3}, "8015"),
    ("cc_zhouting", "周婷", {"loyalty": 5, "insurance": 3}, {"email": 5, "sms": 3, "wechat": 2}, ""),
    ("cc_wuqiang", "吴强", {"finance": 3}, {"voice": 1}, "8017"),
    ("cc_zhengli", "郑丽", {"insurance": 3, "loyalty": 2}, {"voice": 1, "chat": 2}, "8018"),
]
# channel, skill asked (None: any agent on the channel), mean seconds between arrivals, mean handle seconds
QUEUES = [
    ("voice", "insurance", 80, 240),
    ("voice", "finance", 240, 300),
    ("chat", "loyalty", 300, 420),
    ("email", "loyalty", 420, 600),
    ("sms", None, 360, 120),
    ("wechat", "insurance", 600, 180),
]
TIERS = ["standard"] * 7 + ["silver", "gold", "vip"]
HOURS = 1.0
PATIENCE_SECONDS = 90  # a caller still waiting after this hangs up
# minutes before now: (username, state) the agent sets then
SHIFT = [(HOURS * 60, name, "available") for name, *_rest in ROSTER] + [
    (50, "cc_wanglei", "break"), (42, "cc_wanglei", "available"),
    (40, "cc_wuqiang", "break"), (30, "cc_wuqiang", "offline"),
    (22, "cc_liuyang", "break"), (6, "cc_zhengli", "break"),
]


def seed_demo_floor(seed: int = 11) -> int:
    """The floor's agents and their last hours up to now (once: nothing if they exist); the contacts played."""
    if User.objects.filter(username=ROSTER[0][0]).exists():
        return 0
    password = make_password(None)
    agents = {}
    for username, name, skills, capacity, extension in ROSTER:
        user = User.objects.create(username=username, first_name=name, password=password)
        agents[username] = Agent.objects.create(user=user, skills=skills, capacity=capacity, extension=extension)
    now = timezone.now()
    played = _Floor(agents, random.Random(seed), now).play()
    _plan_the_hours_around(now)
    return played


# The day's staffing plan, as the demo supervisor saved it: from the floor's first hour on, the floor's own rates
# with a busier middle, so that the figures page has a plan to set the hour played (and the hours to come) beside.
PLAN_SHAPE = (0.9, 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, 0.9)  # of the floor's contacts per 30 minutes


def _plan_the_hours_around(now: dt.datetime) -> None:
    supervisor = User.objects.filter(username=Role.SUPERVISOR).first()
    if supervisor is None:
        return
    first = timezone.localtime(now - dt.timedelta(hours=HOURS)).replace(second=0, microsecond=0)
    first = first.replace(minute=first.minute - first.minute % 30)
    rates = [(1 / every, handle) for _channel, _skill, every, handle in QUEUES]  # contacts a second, their handle
    per_interval = 30 * 60 * sum(rate for rate, _handle in rates)
    handle = sum(rate * handle for rate, handle in rates) / sum(rate for rate, _handle in rates)
    arguments = {"volumes": [round(per_interval * share) for share in PLAN_SHAPE], "interval_minutes": 30,
                 "aht_seconds": round(handle), "target_answer_seconds": 20, "target_service_level": 0.8,
                 "max_occupancy": 0.85, "shrinkage": 0.3, "patience_seconds": None}
    staffing_plans.save_plan(supervisor, first.date(), first.time(), arguments, "示例排班 demo plan")


class _Floor:
    """A small discrete-event loop: arrivals, answers, completions, hang-ups and the agents' state buttons, each
    done through the services at its time; whatever would happen after `now` is left for the live center."""

    def __init__(self, agents: dict[str, Agent], rng: random.Random, now: dt.datetime):
        self.agents, self.rng, self.now = agents, rng, now
        self.queue: list = []
        self.order = itertools.count()
        self.handle: dict[int, float] = {}  # contact -> how long its agent will take
        self.played = 0

    def at(self, when: dt.datetime, action, *args) -> None:
        heapq.heappush(self.queue, (when, next(self.order), action, args))

    def play(self) -> int:
        start = self.now - dt.timedelta(hours=HOURS)
        for minutes, username, state in SHIFT:
            self.at(self.now - dt.timedelta(minutes=minutes), self.set_state, username, state)
        for channel, skill, every, handle in QUEUES:
            when = start + dt.timedelta(seconds=self.rng.expovariate(1 / every))
            while when < self.now:
                self.at(when, self.arrive, channel, skill, handle)
                when += dt.timedelta(seconds=self.rng.expovariate(1 / every))
        while self.queue:
            when, _order, action, args = heapq.heappop(self.queue)
            if when > self.now:
                if action != self.answer:
                    continue
                when = self.now  # an offer made just now is picked up, not left to lapse
            action(when, *args)
        return self.played

    def offered(self, when: dt.datetime, offers) -> None:
        for contact, agent in offers:
            self.at(when + dt.timedelta(seconds=self.rng.uniform(2, 8)), self.answer, agent, contact.pk)

    def set_state(self, when: dt.datetime, username: str, state: str) -> None:
        try:
            self.offered(when, services.set_agent_state(self.agents[username], state, now=when))
        except ValidationError:  # going offline with a contact in hand: once it is finished
            self.at(when + dt.timedelta(minutes=1), self.set_state, username, state)

    def arrive(self, when: dt.datetime, channel: str, skill: str | None, handle: float) -> None:
        self.played += 1
        reference = f"demo-{self.played}" if channel == "voice" else ""
        contact = services.enqueue_contact(
            channel, {"skills": {skill: self.rng.randint(1, 2)}} if skill else None, tier=self.rng.choice(TIERS),
            arrival=when, external_id=reference, party=f"1{self.rng.randint(3, 9)}{self.rng.randint(0, 10**9 - 1):09d}")
        self.handle[contact.pk] = max(30.0, self.rng.expovariate(1 / handle))
        self.offered(when, services.dispatch(contact, now=when))
        if reference:
            self.at(when + dt.timedelta(seconds=self.rng.uniform(0.5, 1.5) * PATIENCE_SECONDS), self.hang_up,
                    reference)

    def answer(self, when: dt.datetime, agent: Agent, contact_id: int) -> None:
        services.accept_offer(agent, contact_id, now=when)
        self.at(when + dt.timedelta(seconds=self.handle[contact_id]), self.complete, agent, contact_id)

    def complete(self, when: dt.datetime, agent: Agent, contact_id: int) -> None:
        services.complete_contact(agent, contact_id, now=when)
        for channel in agent.capacity:  # the freed line takes the next contact waiting for it
            self.offered(when, services.dispatch_agent(agent, channel, now=when))

    def hang_up(self, when: dt.datetime, reference: str) -> None:
        """A caller still waiting hangs up (one being rung at an extension is picked up a moment later)."""
        if QueuedContact.objects.filter(external_id=reference, state=QueuedContact.State.WAITING).exists():
            voice.call_ended(reference, when)
