"""The generator alone (no database): determinism, valid identifiers, and the shape of the data set."""

import datetime as dt
from collections import Counter, defaultdict

import pytest

from guanxi.customers.normalize import normalize_phone, normalize_plate, normalize_vin
from guanxi.demo.catalog import CITIES, DEALERS, REGIONS, SERVICE_STATIONS
from guanxi.demo.generator import DemoGenerator, GeneratorSettings, tier_for
from guanxi.demo.network import Network, Site
from guanxi.demo.tables import CUSTOMERS, INTERACTIONS, OWNERSHIPS, TABLES, VEHICLES

AS_OF = dt.date(2026, 6, 30)
CUSTOMER_COUNT = 3_000


def catalog_network() -> Network:
    """The demo network with made-up ids, as snapshot_network would read it from the database."""
    region_ids = {region.code: 10 + i for i, region in enumerate(REGIONS)}

    def site(outlet, site_id):
        city = CITIES[outlet.city]
        return Site(site_id, outlet.code, city, outlet.district, outlet.has_service, region_ids[city.region],
                    outlet.weight)

    stations = defaultdict(list)
    for i, outlet in enumerate(SERVICE_STATIONS):
        station = site(outlet, 200 + i)
        stations[station.region_id].append(station)
    return Network(1, 2, tuple(site(outlet, 100 + i) for i, outlet in enumerate(DEALERS)),
                   {region: tuple(found) for region, found in stations.items()})


def generate(count: int, seed: int = 42, first_id: int = 1) -> dict[str, list[tuple]]:
    generator = DemoGenerator(GeneratorSettings(seed, catalog_network(), 99, AS_OF),
                              {table.key: first_id for table in TABLES})
    rows = {table.key: [] for table in TABLES}
    for start in range(0, count, 1_000):
        for key, chunk_rows in generator.chunk(min(1_000, count - start)).items():
            rows[key].extend(chunk_rows)
    return rows


@pytest.fixture(scope="module")
def data_set():
    return generate(CUSTOMER_COUNT)


def column(table, name):
    return table.columns.index(name)


def test_same_seed_same_data(data_set):
    again = generate(CUSTOMER_COUNT)
    assert again == data_set


def test_other_seed_other_people_same_unique_keys():
    first, other = generate(200, seed=1), generate(200, seed=2)
    name = column(CUSTOMERS, "name")
    assert [row[name] for row in first["customers"]] != [row[name] for row in other["customers"]]


def test_every_vin_is_valid_and_unique(data_set):
    vins = [row[column(VEHICLES, "vin")] for row in data_set["vehicles"]]
    assert all(normalize_vin(vin) == vin for vin in vins)
    assert len(set(vins)) == len(vins)
    assert {vin[:3] for vin in vins} == {"LSV"}


def test_every_plate_is_valid(data_set):
    plates = [row[column(VEHICLES, "plate")] for row in data_set["vehicles"]]
    assert all(normalize_plate(plate) == plate for plate in plates)


def test_every_phone_is_valid_and_each_customer_has_its_own(data_set):
    phones = [(row[3], row[4]) for row in data_set["contact_points"] if row[2] == "phone"]
    assert len(phones) == CUSTOMER_COUNT
    assert all(normalize_phone(value) == normalized for value, normalized in phones)
    assert len({normalized for _, normalized in phones}) == CUSTOMER_COUNT


def test_about_one_and_a_quarter_vehicles_and_ten_interactions_per_customer(data_set):
    assert 1.05 <= len(data_set["vehicles"]) / CUSTOMER_COUNT <= 1.5
    assert 9 <= len(data_set["interactions"]) / CUSTOMER_COUNT <= 11.5


def test_lifetime_spend_is_the_sum_of_interaction_amounts_and_sets_the_tier(data_set):
    spent = Counter()
    for row in data_set["interactions"]:
        if row[column(INTERACTIONS, "amount")] is not None:
            spent[row[column(INTERACTIONS, "customer_id")]] += row[column(INTERACTIONS, "amount")]
    for row in data_set["customers"]:
        spend = row[column(CUSTOMERS, "lifetime_spend")]
        assert spend == spent[row[0]]
        assert row[column(CUSTOMERS, "tier")] == tier_for(spend)


def test_a_fifth_of_the_customers_hold_about_four_fifths_of_the_spend(data_set):
    spends = sorted((row[column(CUSTOMERS, "lifetime_spend")] for row in data_set["customers"]), reverse=True)
    top_share = sum(spends[: CUSTOMER_COUNT // 5]) / sum(spends)
    assert 0.7 <= top_share <= 0.9


def test_traded_in_cars_have_an_ended_ownership_and_a_second_owner(data_set):
    owners = defaultdict(list)
    for row in data_set["ownerships"]:
        owners[row[column(OWNERSHIPS, "vehicle_id")]].append(row)
    assert all(sum(1 for row in rows if row[4] is None) <= 1 for rows in owners.values())
    resold = [rows for rows in owners.values() if len(rows) == 2]
    assert len(resold) > CUSTOMER_COUNT * 0.03
    for first, second in (sorted(rows, key=lambda row: row[3]) for rows in resold):
        assert first[4] is not None and first[4] <= second[3]
        assert first[2] != second[2]


def test_times_are_aware_utc_and_not_in_the_future(data_set):
    when = column(INTERACTIONS, "occurred_at")
    moments = [row[when] for row in data_set["interactions"]]
    assert all(moment.tzinfo == dt.UTC for moment in moments)
    assert max(moments).date() <= AS_OF
    assert min(moments).date() >= AS_OF - dt.timedelta(days=9 * 365)


def test_customers_live_where_their_dealer_is(data_set):
    dealers = {site.id: site for site in catalog_network().dealers}
    for row in data_set["customers"]:
        dealer = dealers[row[column(CUSTOMERS, "home_dealer_id")]]
        assert (row[column(CUSTOMERS, "province")], row[column(CUSTOMERS, "city")]) == (dealer.city.province,
                                                                                        dealer.city.name)


def test_every_stage_occurs_and_history_ends_in_the_current_stage(data_set):
    stages = Counter(row[column(CUSTOMERS, "lifecycle_stage")] for row in data_set["customers"])
    assert set(stages) == {"target", "prospect", "opportunity", "contracted", "owner", "loyal", "lapsed", "churned"}
    last_change = {}
    for row in sorted(data_set["stage_changes"], key=lambda row: (row[1], row[4])):
        assert row[2] != row[3]
        last_change[row[1]] = row[3]
    assert all(last_change[row[0]] == row[column(CUSTOMERS, "lifecycle_stage")] for row in data_set["customers"])


def test_nothing_happens_to_a_customer_before_the_record_was_created(data_set):
    created = {row[0]: row[column(CUSTOMERS, "created_at")] for row in data_set["customers"]}
    customer_id, occurred_at = column(INTERACTIONS, "customer_id"), column(INTERACTIONS, "occurred_at")
    assert all(row[occurred_at] >= created[row[customer_id]] for row in data_set["interactions"])
    assert all(row[4] >= created[row[1]] for row in data_set["stage_changes"])
