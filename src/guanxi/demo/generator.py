"""The deterministic generator of the demo customers and everything attached to them.

Plain Python over plain data (no database access), emitting tuples per table (see tables.py),
so that the same code feeds the SQLite INSERT path and the PostgreSQL COPY path, and can be
tested and timed alone. Ids are assigned here from counters the loader starts past the
existing rows, because foreign keys between generated rows are needed before anything is
written. Each chunk draws from its own random.Random and Faker seeded with the seed and the
chunk's first customer id: the same seed, chunk size and as-of date on an empty database
give the same data set.

The shape of the data follows the domain notes: a lifecycle from target to loyal or
churned; cars bought over eight years and replaced after about six (the old car goes to a
second owner); yearly maintenance at the dealer or a service station; a few fleet and
corporate customers buying in batches, which with repurchases makes about 20% of the
customers hold 80% of the spend. Most buyers gave their resident ID number (a contract and the
car's registration need it), few prospects did; it is stored as the product stores it, a keyed
hash and a mask (customers.normalize).
"""

import datetime as dt
import functools
import random
from dataclasses import dataclass

from faker import Faker

from guanxi.customers.normalize import hash_national_id, mask_national_id, name_search_keys
from guanxi.demo import identifiers, names
from guanxi.demo.catalog import CORPORATE_MODELS, FLEET_MODELS, ID_REGIONS, IdRegion
from guanxi.demo.contacts import ContactBook
from guanxi.demo.garage import Garage, VehicleDraft
from guanxi.demo.network import Network, Site
from guanxi.demo.tables import TABLES
from guanxi.demo.timeline import CLUB_EVENTS, YEAR, Timeline

HISTORY_DAYS = 8 * YEAR
DRIFTING_OWNERS = 0.15  # owners who have quietly stopped servicing their car with the network
REPURCHASE_CYCLE_DAYS = 6 * YEAR
REPLACEMENT_KM = 100_000  # past this a loyal owner replaces the car before its sixth year

SEGMENT_WEIGHTS = {"individual": 955, "corporate": 25, "fleet": 20}
INDIVIDUAL_STAGE_WEIGHTS = {
    "target": 14, "prospect": 30, "opportunity": 12, "contracted": 3,
    "owner": 22, "loyal": 9, "lapsed": 6, "churned": 4,
}
SOURCE_WEIGHTS = {"walk_in": 30, "web": 20, "hotline": 15, "dealer": 15, "referral": 10, "event": 10}
# fleet sizes are Pareto-distributed: most fleets are small, a few run over a hundred cars
FLEET_SIZE_SCALE, CORPORATE_SIZE_SCALE, FLEET_SIZE_CAP = 14, 4, 150
# lifetime spend (CNY) from which a customer reaches a tier, highest first
TIER_THRESHOLDS = (("vip", 1_000_000), ("gold", 400_000), ("silver", 150_000))
# who has given a resident ID number: those who bought a car, and a few prospects
BUYER_STAGES = frozenset(("contracted", "owner", "loyal", "lapsed", "churned"))
NATIONAL_ID_SHARE = {True: 0.85, False: 0.08}  # buyer or not
CLUB_MEMBERS = 0.12  # of the owners, those who join their dealer's owners' club
CLUB_EVENTS_A_YEAR = (0, 4)  # how many club events a member comes to in a year, at least and at most


class IdCounter:
    """The next primary key of one table."""

    def __init__(self, start: int):
        self.value = start

    def __call__(self) -> int:
        value = self.value
        self.value += 1
        return value


class CustomerDraft:
    """A customer being generated: the row is written once the whole history is known."""

    __slots__ = ("id", "segment", "dealer", "stage", "name", "latin_name", "gender", "birth_day", "source",
                 "spend", "first_day", "last_day", "milestones", "national_id", "referred_by")

    def __init__(self, customer_id: int, segment: str, dealer: Site, stage: str):
        self.id = customer_id
        self.segment = segment
        self.dealer = dealer
        self.stage = stage
        self.spend = 0
        self.national_id = ""
        self.referred_by: int | None = None
        self.milestones: list[tuple[int, str]] = []
        self.first_day = self.last_day = 0

    @property
    def is_company(self) -> bool:
        return self.segment != "individual"

    def reach(self, day: int, stage: str) -> None:
        if not self.milestones:
            self.first_day = self.last_day = day
        self.milestones.append((day, stage))


def tier_for(spend: int) -> str:
    return next((tier for tier, threshold in TIER_THRESHOLDS if spend >= threshold), "standard")


@functools.cache
def id_regions_for(city_name: str, birth_year: int) -> tuple[IdRegion, ...]:
    """The region codes of the city valid for that birth year: its districts', else the city's own."""
    valid = [region for region in ID_REGIONS[city_name] if region.since <= birth_year <= region.until]
    return tuple(region for region in valid if not region.code.endswith("00")) or tuple(valid)


@dataclass
class GeneratorSettings:
    seed: int
    network: Network
    vehicle_type_id: int
    as_of: dt.date
    pii_key: str  # settings.GUANXI_PII_KEY: ID numbers are stored as its keyed hash


class DemoGenerator:
    """Call `chunk(n)` repeatedly; each call continues the ids where the previous one stopped."""

    def __init__(self, settings: GeneratorSettings, first_ids: dict[str, int]):
        self.settings = settings
        self.ids = {table.key: IdCounter(first_ids[table.key]) for table in TABLES}
        self.fake = Faker("zh_CN")
        self.dealers = settings.network.dealers
        self.dealer_weights = [dealer.weight for dealer in self.dealers]

    def chunk(self, count: int) -> dict[str, list[tuple]]:
        seed = f"guanxi-demo/{self.settings.seed}/{self.ids['customers'].value}"
        rng = random.Random(seed)
        self.fake.seed_instance(seed)
        # who referred whom and who goes to club events are drawn from streams of their own, so the rest of the
        # demo is what it was before they were added
        return _Chunk(self, rng, random.Random(f"{seed}/referrals"), random.Random(f"{seed}/club")).build(count)


class _Chunk:
    """One chunk of customers; cars traded in within the chunk go to second owners of the chunk."""

    def __init__(self, generator: DemoGenerator, rng: random.Random, referral_rng: random.Random,
                 club_rng: random.Random):
        settings = generator.settings
        self.generator = generator
        self.network = settings.network
        self.rng = rng
        self.ids = generator.ids
        self.today = settings.as_of.toordinal()
        self.timeline, self.club = (
            Timeline(stream, self.ids["interactions"], self.network.call_center_id, self.network.hq_id,
                     settings.vehicle_type_id, last_day=self.today - 1, staff=self.network.staff)
            for stream in (rng, club_rng))
        self.contacts = ContactBook(rng, generator.fake, self.timeline, self.ids["contact_points"],
                                    self.ids["consents"])
        self.garage = Garage(rng, self.timeline, self.network, self.today, self.ids["vehicles"],
                             self.ids["ownerships"])
        self.customers: list[CustomerDraft] = []
        self.referral_rng = referral_rng
        self.owners_by_dealer: dict[int, list[int]] = {}  # who a customer who came by referral was sent by

    # -- the chunk ---------------------------------------------------------------------------

    def build(self, count: int) -> dict[str, list[tuple]]:
        for _ in range(count):
            customer = self._new_customer()
            self.customers.append(customer)
            if customer.is_company:
                self._company_history(customer)
            else:
                self._individual_history(customer)
            self.contacts.add_customer(customer)
            if customer.stage in ("owner", "loyal"):
                self.owners_by_dealer.setdefault(customer.dealer.id, []).append(customer.id)
        owners = [c for c in self.customers if c.segment == "individual" and c.stage in ("owner", "loyal")]
        self.garage.resell(owners)
        for owner in owners:
            self._club_events(owner)
        return {
            "customers": [self._customer_row(customer) for customer in self.customers],
            "contact_points": self.contacts.contact_rows,
            "consents": self.contacts.consent_rows,
            "vehicles": self.garage.vehicle_rows(),
            "ownerships": self.garage.ownership_rows,
            "interactions": self.timeline.rows + self.club.rows,
            "stage_changes": [row for customer in self.customers for row in self._stage_rows(customer)],
        }

    def _new_customer(self) -> CustomerDraft:
        rng = self.rng
        segment = _weighted(rng, SEGMENT_WEIGHTS)
        dealer = rng.choices(self.generator.dealers, self.generator.dealer_weights)[0]
        stage = _weighted(rng, INDIVIDUAL_STAGE_WEIGHTS) if segment == "individual" else "owner"
        customer = CustomerDraft(self.ids["customers"](), segment, dealer, stage)
        customer.source = _weighted(rng, SOURCE_WEIGHTS)
        referrers = self.owners_by_dealer.get(dealer.id)
        if customer.source == "referral" and referrers:  # an owner of the same dealer, told a friend
            customer.referred_by = self.referral_rng.choice(referrers)
        if customer.is_company:
            trades = names.FLEET_TRADES if segment == "fleet" else names.CORPORATE_TRADES
            customer.name, customer.latin_name = names.company_name(rng, dealer.city.name, dealer.city.name_en, trades)
            customer.gender, customer.birth_day = "u", None
        else:
            female = rng.random() < 0.42
            customer.name, customer.latin_name = names.person_name(rng, female)
            customer.gender = "f" if female else "m"
            customer.birth_day = self.today - rng.randrange(22 * YEAR, 65 * YEAR)
            if rng.random() < NATIONAL_ID_SHARE[stage in BUYER_STAGES]:
                customer.national_id = self._national_id(customer)
        return customer

    def _national_id(self, customer: CustomerDraft) -> str:
        """Born in the home dealer's city on the birth date; the sequence number is odd for men."""
        birth_date = dt.date.fromordinal(customer.birth_day)
        region = self.rng.choice(id_regions_for(customer.dealer.city.name, birth_date.year))
        sequence = 2 * self.rng.randrange(1, 500) - (customer.gender == "m")
        return identifiers.national_id_for(region.code, birth_date, sequence)

    # -- lifecycles --------------------------------------------------------------------------

    def _individual_history(self, customer: CustomerDraft) -> None:
        rng, today, stage = self.rng, self.today, customer.stage
        if stage in ("target", "prospect", "opportunity"):
            self._prospect_history(customer, today - rng.randrange(7, 3 * YEAR))
            return
        if stage == "contracted":
            signed_day = today - rng.randrange(2, 45)
            self.garage.hold(customer, self._buy_new_car(customer, signed_day, becomes_owner=False), signed_day)
            return
        age = rng.randrange(60, HISTORY_DAYS) if stage == "owner" else rng.randrange(4 * YEAR, HISTORY_DAYS)
        first_day = today - age
        service_stop = None
        if stage == "lapsed":
            service_stop = max(first_day + 200, today - rng.randrange(2 * YEAR, 6 * YEAR))
        elif stage == "owner" and age > 400 and rng.random() < DRIFTING_OWNERS:
            # stopped coming in the last two years and nobody has noticed yet: the owners a churn model
            # is for. Owners stop at any time, not all in one year, or no model could learn from the past.
            service_stop = today - rng.randrange(30, min(2 * YEAR, age - 200))
        first_car = self._buy_new_car(customer, first_day)
        cycle = self._replacement_cycle(first_car) if stage == "loyal" else None
        if cycle is not None and cycle > age - 30:
            # not yet: an owner about to replace the car, whom a repurchase model should find
            customer.stage = stage = "owner"
        if stage == "loyal":
            self._trade_in(customer, first_car, first_day + cycle)
            customer.reach(first_day + cycle, "loyal")
        elif stage == "churned":
            sold_day = first_day + rng.randrange(2 * YEAR, age - 90)
            self.garage.sell(customer, first_car, first_day, sold_day)
            self.timeline.add(customer, sold_day + rng.randrange(60, 200), "winback")
            customer.reach(sold_day, "lapsed")
            customer.reach(min(sold_day + rng.randrange(180, 400), today - 1), "churned")
        else:
            self.garage.hold(customer, first_car, first_day, service_stop=service_stop)
            if stage == "owner" and rng.random() < 0.1:
                second_day = first_day + rng.randrange(0, age)
                self.garage.hold(customer, self._buy_new_car(customer, second_day, journey=False), second_day)
        if stage == "lapsed":
            customer.reach(service_stop + 2 * YEAR if service_stop + 2 * YEAR < today else today - 1, "lapsed")
            self.timeline.add(customer, customer.milestones[-1][0] + 7, "winback")
        for _ in range(age // 900):
            self.timeline.add(customer, rng.randrange(first_day, today), "campaign")

    def _club_events(self, owner: CustomerDraft) -> None:
        """A member of the dealer's owners' club comes to a few of its events a year, from the first car on."""
        rng = self.club.rng
        if rng.random() >= CLUB_MEMBERS:
            return
        joined = next(day for day, stage in owner.milestones if stage == "owner")
        for year_start in range(joined, self.today, YEAR):
            for _ in range(rng.randint(*CLUB_EVENTS_A_YEAR)):
                self.club.add(owner, year_start + rng.randrange(YEAR), "club_event", summary=rng.choice(CLUB_EVENTS))

    def _prospect_history(self, customer: CustomerDraft, first_day: int) -> None:
        rng, timeline = self.rng, self.timeline
        customer.reach(first_day, "target" if customer.stage == "target" else "prospect")
        for _ in range(rng.randint(2, 6)):
            timeline.add(customer, rng.randrange(first_day, self.today), "campaign")
        if customer.stage == "target":
            return
        timeline.add(customer, first_day, "inquiry")
        if customer.stage == "opportunity":
            day = rng.randrange(first_day, self.today)
            timeline.add(customer, day, "invitation")
            timeline.add(customer, day + rng.randrange(1, 10), "test_drive")
            customer.reach(day, "opportunity")

    def _company_history(self, customer: CustomerDraft) -> None:
        """A fleet or company buys in batches over the years and services them together."""
        rng, today, timeline = self.rng, self.today, self.timeline
        is_fleet = customer.segment == "fleet"
        models = FLEET_MODELS if is_fleet else CORPORATE_MODELS
        scale = FLEET_SIZE_SCALE if is_fleet else CORPORATE_SIZE_SCALE
        total = max(1, min(FLEET_SIZE_CAP, int(rng.paretovariate(2) * scale)))
        first_day = today - rng.randrange(YEAR, HISTORY_DAYS)
        customer.reach(first_day - rng.randrange(30, 120), "prospect")
        customer.reach(first_day - rng.randrange(5, 30), "contracted")
        customer.reach(first_day, "owner")
        span = today - 30 - first_day
        batch_count = max(1, min(total // 2, span // 180, rng.randint(1, 6)))
        batch_days = sorted([first_day, *(first_day + rng.randrange(1, span) for _ in range(batch_count - 1))])
        for batch, day in enumerate(batch_days):
            size = total // batch_count + (1 if batch < total % batch_count else 0)
            model = rng.choice([m for m in models if m.first_year <= dt.date.fromordinal(day).year] or models)
            annual_km = 60_000 if is_fleet else 25_000
            cars = [self.garage.new_vehicle(customer, model, day, discount=0.85, annual_km=annual_km)
                    for _ in range(size)]
            timeline.add(customer, day, "fleet_purchase", amount=sum(car.price for car in cars),
                         vehicle_id=cars[0].id, summary=f"{model.name} × {size}")
            for car in cars:
                self.garage.hold(customer, car, day, services=False)
            self.garage.fleet_services(customer, cars, day)
            if batch == 1:
                customer.stage = "loyal"
                customer.reach(day, "loyal")
        for visit_day in range(first_day + rng.randrange(60, 120), today, rng.randrange(90, 200)):
            timeline.add(customer, visit_day, "key_account")

    # -- cars ----------------------------------------------------------------------------------

    def _buy_new_car(self, customer: CustomerDraft, day: int, *, journey: bool = True, becomes_owner: bool = True,
                     at_least: int = 0) -> VehicleDraft:
        """A new car paid on `day`; with `journey`, the inquiry, test drive and contract that led to it."""
        rng, timeline = self.rng, self.timeline
        if journey:
            self._buying_journey(customer, day)
            if becomes_owner:
                customer.reach(day, "owner")
        model = self.garage.pick_model(day, at_least)
        car = self.garage.new_vehicle(customer, model, day, discount=rng.uniform(0.88, 1.0),
                                      annual_km=rng.randrange(8_000, 25_000))
        timeline.add(customer, day, "purchase", amount=car.price, vehicle_id=car.id, summary=car.model.name)
        if rng.random() < 0.8:
            timeline.add(customer, day + rng.randrange(3, 10), "delivery_call", vehicle_id=car.id)
        return car

    def _buying_journey(self, customer: CustomerDraft, day: int) -> None:
        rng = self.rng
        last_step = day - rng.randrange(20, 150)
        customer.reach(last_step, "prospect")
        self.timeline.add(customer, last_step, "inquiry")
        if rng.random() < 0.6:
            last_step = rng.randrange(last_step, day)
            self.timeline.add(customer, last_step, "invitation")
            customer.reach(last_step, "opportunity")
        customer.reach(max(last_step, day - rng.randrange(0, 10)), "contracted")

    def _replacement_cycle(self, car: VehicleDraft) -> int:
        """Days until a loyal owner replaces the car: about six years (DOMAIN.md), sooner once it has run
        REPLACEMENT_KM, so that those who drive much replace first, never before three years."""
        spread = self.rng.gauss(0, 1)
        by_age = REPURCHASE_CYCLE_DAYS + spread * YEAR
        by_mileage = REPLACEMENT_KM / car.annual_km * YEAR * (1 + spread / 8)
        return max(int(min(by_age, by_mileage)), 3 * YEAR)

    def _trade_in(self, customer: CustomerDraft, old_car: VehicleDraft, day: int) -> None:
        """Replace the old car by a new one (often a dearer model); the old car goes to a second owner."""
        self.garage.sell(customer, old_car, old_car.purchase_day, day)
        self.timeline.add(customer, day - self.rng.randrange(1, 20), "trade_in", vehicle_id=old_car.id)
        at_least = old_car.price if self.rng.random() < 0.6 else 0
        new_car = self._buy_new_car(customer, day, journey=False, at_least=at_least)
        self.garage.hold(customer, new_car, day)

    # -- rows ------------------------------------------------------------------------------------

    def _customer_row(self, customer: CustomerDraft) -> tuple:
        created_at = self.timeline.opening(customer.first_day)
        updated_at = max(created_at, self.timeline.moment(customer.last_day))
        dealer = customer.dealer
        birth_date = dt.date.fromordinal(customer.birth_day) if customer.birth_day else None
        hashed = masked = ""
        if customer.national_id:  # stored as customers.services stores a number typed in
            hashed = hash_national_id(customer.national_id, self.generator.settings.pii_key)
            masked = mask_national_id(customer.national_id)
        return (
            customer.id, "company" if customer.is_company else "person", customer.name, customer.latin_name,
            customer.gender, birth_date, hashed, masked, customer.segment, customer.stage, tier_for(customer.spend),
            customer.source, dealer.id, "zh-hans", dealer.city.province, dealer.city.name, customer.spend, "CNY",
            created_at, updated_at, *name_search_keys(customer.name, not customer.is_company), customer.referred_by,
        )

    def _stage_rows(self, customer: CustomerDraft):
        previous, changed_at = "", None
        for day, stage in sorted(customer.milestones, key=lambda milestone: milestone[0]):
            if stage != previous:
                # two changes on one day keep their order
                changed_at = self.timeline.opening(day) if changed_at is None else max(
                    self.timeline.moment(day), changed_at + dt.timedelta(minutes=1))
                yield self.ids["stage_changes"](), customer.id, previous, stage, changed_at, "import"
                previous = stage


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), tuple(weights.values()))[0]
