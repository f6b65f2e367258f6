"""The generator alone (no database): determinism, valid identifiers, and the shape of the data set."""

import datetime as dt
import re
from collections import Counter, defaultdict

import pytest
from stdnum.cn import ric

from guanxi.customers.normalize import (
    check_national_id,
    normalize_email,
    normalize_phone,
    normalize_plate,
    normalize_vin,
)
from guanxi.demo.catalog import CITIES, DEALERS, ID_REGIONS, REGIONS, SERVICE_STATIONS
from guanxi.demo.generator import DemoGenerator, GeneratorSettings, tier_for
from guanxi.demo.network import Network, Site
from guanxi.demo.tables import CONTACT_POINTS, CUSTOMERS, INTERACTIONS, OWNERSHIPS, TABLES, VEHICLES
from guanxi.demo.timeline import SUBJECTS, Handler
from tests.demo.national_ids import recover_national_id

AS_OF = dt.date(2026, 6, 30)
CUSTOMER_COUNT = 3_000
PII_KEY = "demo-test-key"
# as the demo users would be: two sales consultants at D001 (id 100), two agents at the call
# center (id 2), a service advisor at S001 (id 200); nobody at head office or the other units
STAFF = {(100, Handler.DEALER): (501, 502), (2, Handler.CALL_CENTER): (601, 602), (200, Handler.SERVICE): (701,)}


def catalog_network(staff=None) -> Network:
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
                   {region: tuple(found) for region, found in stations.items()}, staff or {})


def generate(count: int, seed: int = 42, first_id: int = 1, staff=STAFF) -> dict[str, list[tuple]]:
    generator = DemoGenerator(GeneratorSettings(seed, catalog_network(staff), 99, AS_OF, PII_KEY),
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


def units_by_id() -> dict[int, Site]:
    network = catalog_network()
    return {site.id: site for site in (*network.dealers, *(s for found in network.stations_by_region.values()
                                                           for s in found))}


def test_a_car_carries_the_plate_of_the_city_where_it_is_serviced_and_sold(data_set):
    """A Shanghai station's cars have Shanghai plates (沪A), a Beijing one's 京A: stations serve
    their own city, and a car resold to another city's customer is registered there again."""
    units = units_by_id()
    plate, unit, dealer = (column(VEHICLES, name) for name in ("plate", "service_unit_id", "selling_dealer_id"))
    owners = defaultdict(list)
    for row in data_set["ownerships"]:
        owners[row[column(OWNERSHIPS, "vehicle_id")]].append(row)
    home_city = {row[0]: row[column(CUSTOMERS, "city")] for row in data_set["customers"]}
    plates_by_unit = defaultdict(set)
    for row in data_set["vehicles"]:
        if row[unit] is not None:
            assert row[plate][:2] == units[row[unit]].city.plate_prefix, row
            plates_by_unit[units[row[unit]].code].add(row[plate][:2])
        if len(owners[row[0]]) == 1:
            assert row[plate][:2] == units[row[dealer]].city.plate_prefix, row
        current = [o for o in owners[row[0]] if o[column(OWNERSHIPS, "end_date")] is None]
        if current:
            assert row[plate][:2] == CITIES[home_city[current[0][column(OWNERSHIPS, "customer_id")]]].plate_prefix
    assert plates_by_unit["S001"] == {"沪A"} and plates_by_unit["S007"] == {"京A"}
    assert {outlet.code for outlet in SERVICE_STATIONS} <= set(plates_by_unit)  # every station serves some cars


def test_email_addresses_are_the_kinds_chinese_customers_have(data_set):
    """A QQ number at qq.com, the mobile number at the carrier's mail, or a pinyin handle with
    digits at 163.com, 126.com, gmail.com …; a company's firm name with digits; all unique."""
    kind, value = column(CONTACT_POINTS, "kind"), column(CONTACT_POINTS, "value")
    customers = {row[0]: row for row in data_set["customers"]}
    phones = {row[1]: row[value] for row in data_set["contact_points"] if row[kind] == "phone"}
    emails = [(row[1], row[value]) for row in data_set["contact_points"] if row[kind] == "email"]
    assert len({email for _, email in emails}) == len(emails)
    styles = Counter()
    for customer_id, email in emails:
        assert normalize_email(email) == email
        local, domain = email.split("@")
        customer = customers[customer_id]
        letters = re.sub(r"[._]", "", local.rstrip("0123456789"))
        if customer[column(CUSTOMERS, "kind")] == "company":
            styles["company"] += 1
            assert letters and letters in re.sub(r"[^a-z]", "", customer[column(CUSTOMERS, "name_latin")].lower())
        elif re.fullmatch(r"[1-9]\d{8}", local):
            styles["qq"] += 1
            assert domain == "qq.com"
        elif local == phones[customer_id]:
            styles["mobile"] += 1
            assert domain in ("139.com", "189.cn", "163.com")
        else:
            styles["handle"] += 1
            surname, given = customer[column(CUSTOMERS, "name_latin")].lower().split(" ")
            assert letters in (surname + given, given + surname, surname[0] + given[0]), email
            assert re.fullmatch(r"[a-z._]+\d{1,7}", local) and domain != "139.com", email
    assert min(styles.values()) > 20 and styles["qq"] > styles["mobile"]
    assert Counter(email.split("@")[1] for _, email in emails).most_common(2)[0][0] in ("qq.com", "163.com")


def test_some_private_customers_gave_a_valid_id_number_of_their_city_birth_date_and_gender(data_set):
    """Most buyers, few prospects: stored as a keyed hash and a mask, as the product stores one typed in."""
    people = [row for row in data_set["customers"] if row[column(CUSTOMERS, "kind")] == "person"]
    hashed, masked = column(CUSTOMERS, "national_id_hash"), column(CUSTOMERS, "national_id_masked")
    with_id = [row for row in people if row[hashed]]
    assert 0.3 <= len(with_id) / len(people) <= 0.6
    assert not any(row[hashed] or row[masked] for row in data_set["customers"] if row not in people)
    buyers = [row for row in people if row[column(CUSTOMERS, "lifecycle_stage")] in ("owner", "loyal")]
    prospects = [row for row in people if row[column(CUSTOMERS, "lifecycle_stage")] in ("target", "prospect")]
    assert sum(bool(row[hashed]) for row in buyers) / len(buyers) > 0.7
    assert sum(bool(row[hashed]) for row in prospects) / len(prospects) < 0.15
    numbers = set()
    for row in with_id:
        birth_date, city = row[column(CUSTOMERS, "birth_date")], row[column(CUSTOMERS, "city")]
        assert re.fullmatch(r"\*{16}\d[\dX]", row[masked])
        number = recover_national_id(row[hashed], row[masked], birth_date, city, PII_KEY)
        assert number and check_national_id(number) == number  # the check digit, date and region the product checks
        assert ric.get_birth_date(number) == birth_date
        assert int(number[16]) % 2 == (row[column(CUSTOMERS, "gender")] == "m")  # odd for men
        place = ric.get_birth_place(number)
        # Chongqing's numbers from before 1997 start with Sichuan's 5102 (see the next test)
        assert place["province"] == row[column(CUSTOMERS, "province")] or number.startswith("5102")
        numbers.add(number)
    assert len(numbers) == len(with_id)


def test_every_id_region_lies_in_its_city_and_each_birth_year_has_one():
    """Chongqing's numbers from before 1997 start with Sichuan's 5102 (Chongqing was a city of Sichuan)."""
    for city_name, regions in ID_REGIONS.items():
        city = CITIES[city_name]
        for year in range(1955, 2011):
            valid = [region for region in regions if region.since <= year <= region.until]
            assert valid, (city_name, year)
            for region in valid:
                place = ric.get_birth_place(f"{region.code}{year}0101001")
                assert place["province"] == city.province or (city_name == "重庆" and region.code.startswith("5102"))
    assert set(ID_REGIONS) == set(CITIES)


def test_dealer_call_center_and_workshop_staff_log_their_interactions(data_set):
    """The customer's own consultant at the dealer, any agent at the call center; nobody where the
    unit has no staff (and head office's campaigns are sent by the system)."""
    unit, user, subject = (column(INTERACTIONS, name) for name in ("org_unit_id", "user_id", "subject"))
    handlers = {kind.text: kind.handler for kind in SUBJECTS.values()}
    consultants = defaultdict(set)
    logged = Counter()
    for row in data_set["interactions"]:
        staff = STAFF.get((row[unit], handlers[row[subject]]))
        if staff is None:
            assert row[user] is None, row
            continue
        assert row[user] in staff, row
        logged[row[unit]] += 1
        if row[unit] == 100:
            consultants[row[column(INTERACTIONS, "customer_id")]].add(row[user])
    assert set(logged) == {100, 2, 200}
    assert all(len(found) == 1 for found in consultants.values())
    assert {user for found in consultants.values() for user in found} == {501, 502}


def test_the_users_change_nothing_else():
    """Whether the demo users exist or not, the data set is the same but for who logged what."""
    user = column(INTERACTIONS, "user_id")
    without = generate(300, staff={})
    with_staff = generate(300)
    for key in without:
        if key != "interactions":
            assert without[key] == with_staff[key]
    assert [row[:user] + row[user + 1:] for row in without["interactions"]] == \
        [row[:user] + row[user + 1:] for row in with_staff["interactions"]]
    assert all(row[user] is None for row in without["interactions"])
