"""The feature SQL and the scorers give the same answers on DuckDB and on Spark over the same Parquet.

The warehouse is written here with pyarrow, as the copy job lays it out (parts, `_part`, a customer
re-copied in a later part, an interaction re-read past the watermark with its amount corrected, a
customer merged away since), so no database is needed. The customers are simulated with enough
history and a churn that depends on more than the last visit for every model, the churn model
included, to fit and pass its evaluation.
"""

import datetime as dt
import json
import re

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from guanxi.analytics import clusters, engines, evaluation, features, scorers

AS_OF = 19_900  # 2024-06-26 as a day number
FIRST_DAY = AS_OF - 7 * 365
CUSTOMERS = 400
FIRST_ID = 1001
GONE = FIRST_ID + 7  # merged into another customer since the copy: still in dim_customer's part, not live
CORRECTED_AMOUNT = 12_300.0  # an interaction's amount as the second copy re-read it
UTC = pa.timestamp("us", tz="UTC")
DAYS = pa.int32()

# pyspark notes at import that it is not yet tested with pandas 3; nothing here goes through pandas
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

VIEWS = [
    engines.View("live_customer_ids"),
    engines.View("dim_customer", incremental=True, still_in="live_customer_ids"),
    engines.View("dim_vehicle"),
    engines.View("bridge_ownership"),
    engines.View("dim_org_unit"),
    engines.View("fact_interaction", incremental=True),
]

# Integer sums: DuckDB sums integers as HUGEINT, which fetchnumpy hands over as float64; Spark sums them as
# BIGINT (int64). The values are the same and the scorers read both as numbers.
INTEGER_SUMS = {"service_visits_1y", "service_visits_2y", "inbound_1y", "outbound_1y", "sale_days", "service_days_2y"}


def _moment(day: int, hour: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=int(day), hours=int(hour))


def _write(root, name, part, columns: dict, schema: dict) -> None:
    rows = len(next(iter(columns.values())))
    columns = {**columns, "_part": [part] * rows}
    schema = pa.schema([*schema.items(), ("_part", pa.int32())])
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns, schema=schema), folder / f"part-{part:06d}.parquet")


def _customer_rows(ids, rng, segments, active, day_of_change):
    return {
        "id": ids, "kind": ["person"] * len(ids), "segment": [segments[i] for i in ids],
        "lifecycle_stage": ["customer"] * len(ids), "tier": list(rng.choice(["silver", "gold"], len(ids))),
        "source": ["dealer"] * len(ids), "home_dealer_id": [3] * len(ids), "province": ["上海"] * len(ids),
        "city": ["上海"] * len(ids), "gender": [None] * len(ids),
        "birth_year": [None if i % 5 == 0 else 1960 + i % 40 for i in ids],
        "created_at": [_moment(FIRST_DAY, 1)] * len(ids), "updated_at": [_moment(day_of_change, 1)] * len(ids),
        "active": [active[i] for i in ids], "created_day": [FIRST_DAY] * len(ids),
        # every fourth customer came by referral, a few referrers bringing several
        "referred_by_id": [FIRST_ID + (i * 7) % 60 if i % 4 == 0 else None for i in ids],
    }


CUSTOMER_SCHEMA = {
    "id": pa.int64(), "kind": pa.string(), "segment": pa.string(), "lifecycle_stage": pa.string(), "tier": pa.string(),
    "source": pa.string(), "home_dealer_id": pa.int64(), "province": pa.string(), "city": pa.string(),
    "gender": pa.string(), "birth_year": pa.int32(), "created_at": UTC, "updated_at": UTC, "active": pa.bool_(),
    "created_day": DAYS, "referred_by_id": pa.int64(),
}
INTERACTION_SCHEMA = {
    "id": pa.int64(), "customer_id": pa.int64(), "channel": pa.string(), "direction": pa.string(),
    "occurred_at": UTC, "org_unit_id": pa.int64(), "amount": pa.float64(), "vehicle_id": pa.int64(),
    "occurred_day": DAYS,
}


def build_warehouse(root, seed: int = 3) -> None:
    """Owners who visit the workshop every few months until they leave for good; how soon they leave
    depends on their segment and on their warranty running out, and they call in to complain in the
    months before. Amounts are whole hundreds so that every sum is exact in any order (Spark adds the
    rows of one customer in an order of its own)."""
    rng = np.random.default_rng(seed)
    ids = list(range(FIRST_ID, FIRST_ID + CUSTOMERS))
    segments = dict(zip(ids, rng.choice(["private", "fleet", "vip", None], CUSTOMERS, p=[0.6, 0.25, 0.1, 0.05])))
    hazard = {"private": 0.15, "fleet": 0.5, "vip": 0.05, None: 0.15}  # leavings a year while under warranty
    vehicles, ownerships, events = [], [], []  # events: (day, customer, channel, direction, amount, vehicle)
    for customer in ids:
        if customer % 10 == 9:
            continue  # a prospect: never bought
        cars = 1 + (rng.random() < 0.2)
        first = int(rng.integers(FIRST_DAY, AS_OF - 1400) if rng.random() < 0.85 else rng.integers(AS_OF - 1400,
                                                                                                     AS_OF - 200))
        purchases = sorted([first] + [int(rng.integers(first + 200, AS_OF - 30)) for _ in range(cars - 1)])
        leaves = None
        for number, bought in enumerate(purchases):
            vehicle = len(vehicles) + 1
            warranty_end = bought + (4 if segments[customer] == "vip" else 3) * 365
            price = 1000.0 * int(rng.integers(100, 300))
            vehicles.append((vehicle, bought, warranty_end, price))
            sold = int(rng.integers(bought + 400, AS_OF + 400)) if rng.random() < 0.1 else None
            ownerships.append((len(ownerships) + 1, vehicle, customer, bought, sold if sold and sold < AS_OF else None))
            events.append((bought, customer, "visit", "in", price, vehicle))
            if number == 0:
                # the day they leave the network: exponential while under warranty, three times as fast after
                years = rng.exponential(1 / hazard[segments[customer]])
                leaves = bought + years * 365
                if leaves > warranty_end:
                    leaves = warranty_end + (leaves - warranty_end) / 3
                first_vehicle = vehicle
        gap = rng.uniform(150, 330)
        day = purchases[0] + gap * rng.uniform(0.7, 1.3)
        while day < min(leaves, AS_OF):
            amount = 100.0 * int(rng.integers(3, 60)) if rng.random() > 0.05 else 0.0  # some free warranty work
            events.append((int(day), customer, "visit", "in", amount, first_vehicle if rng.random() < 0.9 else None))
            day += gap * rng.uniform(0.7, 1.3)
        for _ in range(int(rng.integers(1, 4))):  # complaints in the months before leaving
            complaint = int(leaves - rng.uniform(10, 300))
            if purchases[0] < complaint <= AS_OF:
                events.append((complaint, customer, "call", "in", None, None))
        for _ in range(int(rng.poisson((AS_OF - purchases[0]) / 365 * 1.2))):  # everyday calls, both ways
            events.append((int(rng.integers(purchases[0], AS_OF + 1)), customer, "call",
                           "in" if rng.random() < 0.3 else "out", None, None))
    club = np.random.default_rng(7)  # owners' club events, on a stream of their own: the rest is as it was
    for customer in ids[3::8]:
        for _ in range(int(club.integers(1, 6))):
            events.append((int(club.integers(AS_OF - 900, AS_OF + 1)), customer, "event", "in", None, None))
    events.sort(key=lambda event: (event[0], event[1]))

    active = {customer: customer % 53 != 0 for customer in ids}  # a few erased customers
    recopied = [customer for customer in ids if customer % 6 == 0]
    _write(root, "live_customer_ids", 1, {"id": [customer for customer in ids if customer != GONE]},
           {"id": pa.int64()})
    _write(root, "dim_customer", 1, _customer_rows(ids, rng, segments, active, FIRST_DAY), CUSTOMER_SCHEMA)
    # the second copy: changed segments, and customers erased since the first copy
    for customer in recopied:
        if customer % 4 == 0:
            segments[customer] = "fleet"
        if customer % 5 == 0:
            active[customer] = False
    _write(root, "dim_customer", 2, _customer_rows(recopied, rng, segments, active, AS_OF - 100), CUSTOMER_SCHEMA)
    _write(root, "dim_vehicle", 1, {
        "id": [v[0] for v in vehicles], "model": ["H6"] * len(vehicles), "model_year": [2020] * len(vehicles),
        "purchase_day": [v[1] for v in vehicles], "selling_dealer_id": [3] * len(vehicles),
        "service_unit_id": [6] * len(vehicles), "warranty_end_day": [v[2] for v in vehicles],
        "mileage_km": [None] * len(vehicles), "price": [v[3] for v in vehicles],
    }, {"id": pa.int64(), "model": pa.string(), "model_year": pa.int32(), "purchase_day": DAYS,
        "selling_dealer_id": pa.int64(), "service_unit_id": pa.int64(), "warranty_end_day": DAYS,
        "mileage_km": pa.int64(), "price": pa.float64()})
    _write(root, "bridge_ownership", 1, {
        "id": [o[0] for o in ownerships], "vehicle_id": [o[1] for o in ownerships],
        "customer_id": [o[2] for o in ownerships], "start_day": [o[3] for o in ownerships],
        "end_day": [o[4] for o in ownerships],
    }, {"id": pa.int64(), "vehicle_id": pa.int64(), "customer_id": pa.int64(), "start_day": DAYS, "end_day": DAYS})
    _write(root, "dim_org_unit", 1, {
        "id": [1, 2, 3, 4, 5, 6], "code": ["HQ", "R-EAST", "D-SH1", "D-SH2", "CC", "S-SH"],
        "name": ["HQ", "R-EAST", "D-SH1", "D-SH2", "CC", "S-SH"],
        "kind": ["hq", "region", "dealer", "dealer", "call_center", "service"], "parent_id": [None, 1, 2, 2, 1, 2],
    }, {"id": pa.int64(), "code": pa.string(), "name": pa.string(), "kind": pa.string(), "parent_id": pa.int64()})

    rows = [{"id": number + 1, "customer_id": customer, "channel": channel, "direction": direction,
             "occurred_at": _moment(day, 2 + number % 8), "org_unit_id": 5 if channel == "call" else 3,
             "amount": amount, "vehicle_id": vehicle, "occurred_day": day}
            for number, (day, customer, channel, direction, amount, vehicle) in enumerate(events)]
    # the first copy ran 200 days ago; the second re-read 50 rows before its watermark, one of them corrected
    watermark = max(row["id"] for row in rows if row["occurred_day"] <= AS_OF - 200)
    reread = [dict(row) for row in rows if watermark - 50 < row["id"]]
    corrected = next(row for row in reread if row["id"] <= watermark and row["amount"])
    corrected["amount"] = CORRECTED_AMOUNT
    for part, chunk in ((1, [row for row in rows if row["id"] <= watermark]), (2, reread)):
        _write(root, "fact_interaction", part, {name: [row[name] for row in chunk] for name in INTERACTION_SCHEMA},
               INTERACTION_SCHEMA)
    manifest = {"tables": {view.name: {"parts": 2 if view.incremental else 1} for view in VIEWS},
                "corrected_interaction": corrected["id"]}
    (root / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture(scope="module")
def warehouse_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("warehouse")
    build_warehouse(root)
    return root


@pytest.fixture(scope="module")
def duckdb_engine(warehouse_root):
    with engines.duckdb_query(warehouse_root, VIEWS) as query:
        yield query


@pytest.fixture(scope="module")
def duckdb_in_memory(warehouse_root):
    with engines.duckdb_query(warehouse_root, VIEWS, in_memory=True) as query:
        yield query


@pytest.fixture(scope="module")
def spark_engine(warehouse_root):
    """In memory, as the nightly scoring opens it: the scores compared with DuckDB's views check both ways."""
    pytest.importorskip("pyspark")
    with engines.spark_query(warehouse_root, VIEWS, in_memory=True) as query:
        yield query


def everything(query) -> dict:
    """What scoring computes from the warehouse: the feature rows and each model's scores. The churn
    scorer's own feature queries are kept, so the rows compared are those it fitted on, and each is
    asked once (a Spark query takes seconds however small the data)."""
    answers = {}

    def remembering(sql: str) -> dict:
        if sql not in answers:
            answers[sql] = query(sql)
        return answers[sql]

    summary = scorers.customer_summary(remembering, AS_OF)
    results = {
        "summary": summary,
        "rfm": scorers.rfm_scores(summary),
        "pyramid": scorers.pyramid_scores(summary),
        "clv": scorers.clv_scores(summary),
        "churn": scorers.churn_scores(remembering, AS_OF),
    }
    results["evaluation"] = scorers.evaluation_scores(summary, results["clv"], evaluation.DEFAULT_WEIGHTS)
    horizon = features.CHURN_HORIZON_DAYS
    results["owners"] = [answers[features.owners(AS_OF - back, AS_OF)] for back in (2 * horizon, horizon, 0)]
    return results


@pytest.fixture(scope="module")
def duckdb_results(duckdb_engine):
    return everything(duckdb_engine)


@pytest.fixture(scope="module")
def spark_results(spark_engine):
    return everything(spark_engine)


def test_an_owners_club_event_counts_as_influence_not_as_a_contact(duckdb_engine):
    """The churn, repurchase and cluster features count calls, messages and visits; a club event is the
    evaluation's, and a club goer's contacts are those of the same customer without their events."""
    counted = duckdb_engine(f"""
        SELECT customer_id, COUNT(CASE WHEN direction = 'in' AND channel <> 'event' THEN 1 END) AS inbound,
               COUNT(CASE WHEN direction = 'in' AND channel <> 'event' AND COALESCE(amount, 0) <= 0 THEN 1 END)
                   AS inbound_unsold,
               COUNT(CASE WHEN channel = 'event' THEN 1 END) AS events
        FROM fact_interaction WHERE occurred_day > {AS_OF} - 365 AND occurred_day <= {AS_OF}
        GROUP BY customer_id""")
    ids = counted["customer_id"].tolist()
    goers = {customer for customer, events in zip(ids, counted["events"].tolist()) if events}
    duckdb_engine(features.TRANSACTIONS)
    # the owners' features count every inbound line of the year; the clusters' those that sold nothing
    for figures, expected in ((duckdb_engine(features.owners(AS_OF, AS_OF)), "inbound"),
                              (duckdb_engine(clusters.extra_features(AS_OF)), "inbound_unsold")):
        reference = dict(zip(ids, counted[expected].tolist()))
        rows = dict(zip(figures["customer_id"].tolist(), figures["inbound_1y"].tolist()))
        compared = goers & set(rows)
        assert len(compared) > 10
        assert all(rows[customer] == reference[customer] for customer in compared)


@pytest.mark.parametrize("engine", ["duckdb_engine", "duckdb_in_memory", "spark_engine"])
def test_views_keep_the_newest_row_of_each_id_and_only_live_customers(engine, request, warehouse_root):
    query = request.getfixturevalue(engine)
    customers = query("SELECT id, segment, active FROM dim_customer ORDER BY id")
    assert len(customers["id"]) == CUSTOMERS - 1 and GONE not in customers["id"]
    assert query(f"SELECT count(*) AS n FROM fact_interaction WHERE customer_id = {GONE} AND amount > 0")["n"][0]
    newest = {customer: (segment, active) for customer, segment, active in zip(*customers.values())}
    assert newest[1020] == ("fleet", False)  # re-copied (a multiple of 6): now fleet (of 4) and erased (of 5)
    assert newest[1032] == ("fleet", True)
    assert "_part" not in customers and "_newest" not in customers
    interactions = query("SELECT id, amount FROM fact_interaction ORDER BY id")
    assert len(interactions["id"]) == len(np.unique(interactions["id"])) == interactions["id"][-1]
    corrected = json.loads((warehouse_root / "manifest.json").read_text())["corrected_interaction"]
    assert interactions["amount"][interactions["id"] == corrected][0] == CORRECTED_AMOUNT
    assert query(features.TRANSACTIONS) == {}


def test_arrow_columns_come_out_as_duckdb_fetchnumpy_gives_them():
    """Spark hands results over as Arrow; DuckDB can too, so its own two ways must agree."""
    sql = """SELECT * FROM (VALUES
        (1, 2::BIGINT, 1.5::DOUBLE, 'a', true, 3.25::DECIMAL(10, 2), DATE '2024-01-02',
         TIMESTAMPTZ '2024-01-02 03:04:05+00'),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, 4, 2.5, '乙', false, 1.00, DATE '1970-01-01', TIMESTAMPTZ '1970-01-01 00:00:00+00'))
        t(whole, big, real, text, flag, money, day, moment)
        UNION ALL SELECT 5, SUM(7), 0.5, 'c', true, 0, DATE '2000-01-01', NULL"""
    with engines.DuckDBQuery(duckdb.connect()) as query:
        connection = query.connection
        arrow = engines.arrow_to_numpy(_arrow(connection, sql))
        fetched = connection.execute(sql).fetchnumpy()
        assert query(sql).keys() == fetched.keys() == arrow.keys()
        same_columns(fetched, arrow)
        assert all(np.ma.isMaskedArray(column) for column in arrow.values())
        no_nulls = engines.arrow_to_numpy(_arrow(connection, "SELECT 1 AS one, 'x' AS text"))
        assert not np.ma.isMaskedArray(no_nulls["one"]) and no_nulls["text"].dtype == object


def _arrow(connection, sql: str) -> pa.Table:
    relation = connection.sql(sql)
    return relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.fetch_arrow_table()


def test_the_feature_statements_divide_by_fractions_written_as_doubles():
    """Spark reads 30.44 as DECIMAL(4,2) and rounds a whole number divided by it to 6 decimals, where
    DuckDB divides in double precision: written 30.44e0 (a DOUBLE in both), the months agree."""
    statements = {"TRANSACTIONS": features.TRANSACTIONS, "CUSTOMER_SUMMARY": features.CUSTOMER_SUMMARY,
                  "OWNERS": features.OWNERS}
    decimal_divisors = {name: re.findall(r"/\s*\d+\.\d+\b(?![.eE])", text) for name, text in statements.items()}
    assert not any(decimal_divisors.values()), f"write these divisors as doubles (30.44e0): {decimal_divisors}"


def test_the_small_warehouse_is_rich_enough_for_every_model(duckdb_results):
    """Otherwise the comparison below would compare refusals, not scores."""
    summary, churn = duckdb_results["summary"], duckdb_results["churn"]
    assert 250 < len(summary["customer_id"]) and GONE not in summary["customer_id"]
    assert (summary["repeat_purchases"] > 0).sum() > 100
    assert (summary["referrals"] > 1).sum() > 5 and (summary["sale_days"] > 1).sum() > 20
    assert (summary["club_events_2y"] > 1).sum() > 5
    assert churn.figures["auc"] > churn.figures["baseline_auc"] and len(churn.customer_ids) > 150
    for owners in duckdb_results["owners"][:2]:
        churned = np.ma.filled(owners["churned"], -1)
        assert len(churned) >= 100 and (churned == 1).sum() >= 10 and (churned == 0).sum() >= 10
    assert np.ma.getmaskarray(duckdb_results["owners"][2]["churned"]).all()  # today's outcome is not known yet


def test_spark_computes_the_same_features_as_duckdb(duckdb_results, spark_results):
    same_columns(duckdb_results["summary"], spark_results["summary"])
    for duck, spark in zip(duckdb_results["owners"], spark_results["owners"]):
        same_columns(duck, spark)


@pytest.mark.parametrize("model", ["rfm", "pyramid", "clv", "churn", "evaluation"])
def test_spark_gives_the_same_scores_as_duckdb(model, duckdb_results, spark_results):
    duck, spark = duckdb_results[model], spark_results[model]
    assert np.array_equal(duck.customer_ids, spark.customer_ids)
    assert list(duck.label) == list(spark.label)
    np.testing.assert_allclose(spark.value, duck.value, rtol=1e-9, atol=0)
    assert spark.reasons == duck.reasons  # rounded for the page: equal features give equal words
    assert same_figures(duck.figures, spark.figures)


def same_columns(duck: dict, spark: dict) -> None:
    assert list(duck) == list(spark)
    for name in duck:
        a, b = duck[name], spark[name]
        assert np.ma.isMaskedArray(a) == np.ma.isMaskedArray(b), name
        assert a.dtype == b.dtype or (name in INTEGER_SUMS and (a.dtype, b.dtype) == (np.float64, np.int64)), \
            f"{name}: {a.dtype} on DuckDB, {b.dtype} on Spark"
        assert np.array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b)), name
        known = ~np.ma.getmaskarray(a)
        a, b = np.ma.getdata(a)[known], np.ma.getdata(b)[known]
        if a.dtype.kind == "f" and name not in INTEGER_SUMS:
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=0, err_msg=name)
        else:
            assert np.array_equal(a, b), name


def same_figures(duck, spark) -> bool:
    if isinstance(duck, dict):
        return duck.keys() == spark.keys() and all(same_figures(duck[key], spark[key]) for key in duck)
    if isinstance(duck, float):
        return spark == pytest.approx(duck, rel=1e-9)
    return duck == spark
