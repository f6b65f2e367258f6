"""The cars of one generated chunk: vehicles, who owned them when, and their service history.

Split from the customer lifecycles (generator.py) because a car outlives its first owner:
a traded-in car is resold to another customer of the chunk, with a new ownership and a
service history of its own, so the cars are kept here until the chunk is complete.

A car is registered where its owner lives (a plate of the selling dealer's city: 沪A in
Shanghai, 京A in Beijing) and serviced there: at the dealer's workshop, at an independent
service station of the same city, or outside the network. A used car bought by a customer of
another city is registered again there (转籍) and gets a plate of that city.
"""

import datetime as dt
import random
from collections import defaultdict

from guanxi.demo import identifiers
from guanxi.demo.catalog import CAR_MODELS, CarModel
from guanxi.demo.network import Network, Site
from guanxi.demo.timeline import YEAR, Timeline

WARRANTY_DAYS = 3 * YEAR
OWN_WORKSHOP_SHARE = 0.88  # the others have their cars serviced outside the network
INDEPENDENT_STATION_SHARE = 0.15  # of the customers of a dealer with a workshop, where the city has a station
USED_CAR_YEARLY_VALUE_KEPT = 0.87


class VehicleDraft:
    __slots__ = ("id", "model", "model_year", "purchase_day", "selling_dealer_id", "city", "service_unit_id",
                 "price", "annual_km")

    def __init__(self, vehicle_id: int, model: CarModel, purchase_day: int, dealer: Site, price: int,
                 annual_km: int):
        self.id = vehicle_id
        self.model = model
        year = dt.date.fromordinal(purchase_day)
        self.model_year = max(model.first_year, year.year + (1 if year.month >= 10 else 0))
        self.purchase_day = purchase_day
        self.selling_dealer_id = dealer.id
        self.city = dealer.city  # where the car is registered: its plate's prefix
        self.service_unit_id = None
        self.price = price
        self.annual_km = annual_km


class Garage:
    """Builds the vehicle and ownership rows of one chunk; services go into the timeline."""

    def __init__(self, rng: random.Random, timeline: Timeline, network: Network, today: int, next_vehicle_id,
                 next_ownership_id):
        self.rng = rng
        self.timeline = timeline
        self.network = network
        self.today = today
        self.next_vehicle_id = next_vehicle_id
        self.next_ownership_id = next_ownership_id
        self.vehicles: list[VehicleDraft] = []
        self.stations_by_city: dict[str, list[Site]] = defaultdict(list)
        for stations in network.stations_by_region.values():
            for station in stations:
                self.stations_by_city[station.city.name].append(station)
        self.ownership_rows: list[tuple] = []
        self.for_resale: list[tuple[VehicleDraft, int, int]] = []  # car, day sold, seller id

    def pick_model(self, day: int, at_least: int = 0) -> CarModel:
        """A model on sale that year, by popularity; `at_least`: dearer than the car it replaces."""
        year = dt.date.fromordinal(day).year
        models = [m for m in CAR_MODELS if m.first_year <= year and m.price_max > at_least] or [CAR_MODELS[-1]]
        return self.rng.choices(models, [m.popularity for m in models])[0]

    def new_vehicle(self, customer, model: CarModel, day: int, discount: float, annual_km: int) -> VehicleDraft:
        list_price = self.rng.randrange(model.price_min, model.price_max + 1, 100)
        car = VehicleDraft(self.next_vehicle_id(), model, day, customer.dealer, int(list_price * discount) // 100 * 100,
                           annual_km)
        car.service_unit_id = self._service_unit_for(customer)
        self.vehicles.append(car)
        return car

    def _service_unit_for(self, customer) -> int | None:
        """Where the customer has the car serviced, in the home dealer's city: the dealer's workshop,
        or a service station of the city (always when the dealer has no workshop); some use none of ours.
        A city with neither falls back on a station of the region (none in the demo network)."""
        rng, dealer = self.rng, customer.dealer
        if rng.random() > OWN_WORKSHOP_SHARE:
            return None
        stations = self.stations_by_city.get(dealer.city.name)
        if dealer.has_service and not (stations and rng.random() < INDEPENDENT_STATION_SHARE):
            return dealer.id
        return rng.choice(stations or self.network.stations_by_region[dealer.region_id]).id

    def hold(self, customer, car: VehicleDraft, start_day: int, *, end_day: int | None = None,
             service_stop: int | None = None, services: bool = True) -> None:
        """An ownership of the car from start to end (None: still owned), with its service history."""
        self.ownership_rows.append((
            self.next_ownership_id(), car.id, customer.id, dt.date.fromordinal(start_day),
            dt.date.fromordinal(end_day) if end_day else None,
        ))
        if services and car.service_unit_id:
            stop = min(day for day in (end_day, service_stop, self.today) if day)
            self._service_history(customer, car, start_day, stop)

    def sell(self, customer, car: VehicleDraft, start_day: int, sold_day: int) -> None:
        """The customer owned the car until `sold_day`; then it is for resale."""
        self.hold(customer, car, start_day, end_day=sold_day)
        self.for_resale.append((car, sold_day, customer.id))

    def _service_history(self, customer, car: VehicleDraft, start_day: int, stop_day: int) -> None:
        """Maintenance about once a year, with bookings, follow-up calls, repairs and the odd complaint."""
        rng, timeline, unit = self.rng, self.timeline, car.service_unit_id
        day = start_day + rng.randrange(150, 300)
        while day < stop_day:
            if rng.random() < 0.5:
                timeline.add(customer, day - rng.randrange(1, 7), "booking", vehicle_id=car.id)
            timeline.add(customer, day, "maintenance", service_unit_id=unit, amount=self.maintenance_cost(car),
                         vehicle_id=car.id)
            if rng.random() < 0.3:
                timeline.add(customer, day + rng.randrange(2, 6), "service_call", vehicle_id=car.id)
            if rng.random() < 0.12:
                repair_day = day + rng.randrange(30, 200)
                timeline.add(customer, repair_day, "repair", service_unit_id=unit,
                             amount=rng.randrange(800, 15_000, 10), vehicle_id=car.id)
                if rng.random() < 0.3:
                    timeline.add(customer, repair_day + 1, "complaint", vehicle_id=car.id)
                    timeline.add(customer, repair_day + rng.randrange(3, 10), "complaint_call", vehicle_id=car.id)
            if rng.random() < 0.3:
                timeline.add(customer, day + rng.randrange(30, 300), "insurance", service_unit_id=unit,
                             vehicle_id=car.id)
            day += rng.randrange(300, 420)

    def fleet_services(self, customer, cars: list[VehicleDraft], bought_day: int) -> None:
        """One grouped maintenance visit for a batch of fleet cars every half year."""
        service_unit = cars[0].service_unit_id
        if service_unit is None:
            return
        for day in range(bought_day + 180, self.today, 182):
            self.timeline.add(customer, day, "maintenance", service_unit_id=service_unit,
                              amount=len(cars) * self.maintenance_cost(cars[0]), vehicle_id=cars[0].id,
                              summary=f"{len(cars)} 辆集中保养")

    def maintenance_cost(self, car: VehicleDraft) -> int:
        return 300 + car.price // 400 + self.rng.randrange(0, 600, 10)

    def resell(self, buyers: list) -> None:
        """Cars for resale go to customers of the chunk, who buy them used, mostly in the same city.

        The buyer is not the seller and must have been a customer already (a few draws at most):
        a used car bought before the customer record existed would put the timeline before its creation.
        """
        rng = self.rng
        local_buyers = defaultdict(list)
        for buyer in buyers:
            local_buyers[buyer.dealer.city.name].append(buyer)
        for car, sold_day, seller_id in self.for_resale:
            start_day = sold_day + rng.randrange(7, 60)
            if not buyers or start_day >= self.today:
                continue
            local = local_buyers[car.city.name]
            draws = [*(rng.choice(local) for _ in range(4 if local else 0)), *(rng.choice(buyers) for _ in range(2))]
            buyer = next((b for b in draws if b.first_day < start_day and b.id != seller_id), None)
            if buyer is None:
                continue
            car.city = buyer.dealer.city
            car.service_unit_id = self._service_unit_for(buyer)
            age_years = (start_day - car.purchase_day) / YEAR
            used_price = int(car.price * 0.85 * USED_CAR_YEARLY_VALUE_KEPT**age_years) // 100 * 100
            self.timeline.add(buyer, start_day, "used_purchase", amount=used_price, vehicle_id=car.id,
                              summary=car.model.name)
            self.hold(buyer, car, start_day)

    def vehicle_rows(self) -> list[tuple]:
        return [self._vehicle_row(car) for car in self.vehicles]

    def _vehicle_row(self, car: VehicleDraft) -> tuple:
        years = max(0, self.today - car.purchase_day) / YEAR
        return (
            car.id, identifiers.vin_for(car.id, car.model.vds, car.model_year), car.model.name, car.model_year,
            identifiers.plate_for(car.id, car.city.plate_prefix, car.model.new_energy),
            dt.date.fromordinal(car.purchase_day), car.selling_dealer_id, car.service_unit_id,
            dt.date.fromordinal(car.purchase_day + WARRANTY_DAYS), int(years * car.annual_km), car.price,
        )
