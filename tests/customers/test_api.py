"""The customers API against the real database: who may call what (the scoping matrix), what
each dealer sees, bad input, the audit trail, deletion and erasure.

The matrix is a table: one row per endpoint call (or per group of reads), one column per user of the `users` fixture
(plus an anonymous caller), the expected HTTP status in each cell. Every call runs inside a
savepoint that is rolled back, so the calls of one user are independent of each other.
"""

import json

import pytest
from auditlog.models import LogEntry
from django.db import transaction

from guanxi.customers.models import Consent, ContactPoint, Customer, Interaction, Ownership, StageChange, Vehicle
from tests.core.lean_client import LeanClient

NEW_VIN = "1M8GDM9AXKP042788"

# name -> (method, path, JSON body). Placeholders are filled from the `customers` fixture.
ENDPOINTS = {
    "list customers": ("get", "/api/customers", None),
    "lookup": ("get", "/api/lookup?q=13800138000", None),
    "list vehicles": ("get", "/api/vehicles", None),
    "list tokens": ("get", "/api/tokens", None),
    "get zhang car": ("get", "/api/vehicles/{zhang_car}", None),
    "get li car": ("get", "/api/vehicles/{li_car}", None),
    "create customer": (
        "post",
        "/api/customers",
        {"name": "新客户", "contacts": [{"kind": "phone", "value": "13600136000"}]},
    ),
    "patch zhang": ("patch", "/api/customers/{zhang}", {"tier": "gold"}),
    "patch li": ("patch", "/api/customers/{li}", {"tier": "gold"}),
    "patch wang": ("patch", "/api/customers/{wang}", {"tier": "gold"}),
    "add contact zhang": ("post", "/api/customers/{zhang}/contact-points", {"kind": "email", "value": "z@example.cn"}),
    "opt out zhang phone": ("patch", "/api/contact-points/{zhang_phone}", {"opted_out": True}),
    "consent zhang": (
        "post",
        "/api/customers/{zhang}/consents",
        {"channel": "sms", "purpose": "marketing", "granted": True, "how": "web form"},
    ),
    "register vehicle li": (
        "post",
        "/api/customers/{li}/vehicles",
        {"vin": NEW_VIN, "model": "ID.4", "model_year": 2024},
    ),
    "add interaction li": (
        "post",
        "/api/customers/{li}/interactions",
        {"channel": "phone", "direction": "in", "subject": "保养预约"},
    ),
    "delete wang": ("delete", "/api/customers/{wang}", None),
    "delete zhang (history)": ("delete", "/api/customers/{zhang}", None),
    "erase wang": ("post", "/api/customers/{wang}/erase", None),
    "restore wang (not erased)": ("post", "/api/customers/{wang}/restore", None),
}
# A row "<customer> and its records" of the table stands for these five reads of that customer.
RECORDS: dict[str, list[str]] = {}
for who in ("zhang", "li", "wang"):
    ENDPOINTS[f"get {who}"] = ("get", f"/api/customers/{{{who}}}", None)
    RECORDS[f"{who} and its records"] = [f"get {who}"]
    for part in ("contact-points", "consents", "vehicles", "interactions"):
        ENDPOINTS[f"{who} {part}"] = ("get", f"/api/customers/{{{who}}}/{part}", None)
        RECORDS[f"{who} and its records"].append(f"{who} {part}")

COLUMNS = {
    "adm": "admin",
    "hqs": "hq_sales",
    "hqm": "hq_marketing",
    "ana": "analyst",
    "agt": "agent",
    "sup": "supervisor",
    "dlm": "dealer_manager",
    "dls": "dealer_sales",
    "sva": "service_advisor",
    "reg": "region_manager",
    "oth": "other_dealer",
    "nor": "no_role",
    "ano": "anonymous",
}

# HQ and the call center see all three customers; D-SH1 (dlm, dls) 张伟; the service station
# S-SH (sva) 李娜, whose car it services; the region R-EAST 张伟 and 李娜; D-GZ1 (oth) 王芳.
MATRIX = """
endpoint                  adm hqs hqm ana agt sup dlm dls sva reg oth nor ano
list customers            200 200 200 200 200 200 200 200 200 200 200 200 401
lookup                    200 200 200 200 200 200 200 200 200 200 200 200 401
list vehicles             200 200 200 200 200 200 200 200 200 200 200 200 401
list tokens               200 200 200 200 200 200 200 200 200 200 200 200 401
zhang and its records     200 200 200 200 200 200 200 200 404 200 404 404 401
li and its records        200 200 200 200 200 200 404 404 200 200 404 404 401
wang and its records      200 200 200 200 200 200 404 404 404 404 200 404 401
get zhang car             200 200 200 200 200 200 200 200 404 200 404 404 401
get li car                200 200 200 200 200 200 404 404 200 200 404 404 401
create customer           201 201 201 403 201 201 201 201 403 422 201 403 401
patch zhang               200 200 200 403 200 200 200 200 403 200 404 403 401
patch li                  200 200 200 403 200 200 404 404 403 200 404 403 401
patch wang                200 200 200 403 200 200 404 404 403 404 200 403 401
add contact zhang         201 201 201 403 201 201 201 201 403 201 404 403 401
opt out zhang phone       200 200 200 403 200 200 200 200 403 200 404 403 401
consent zhang             201 201 201 403 201 201 201 201 403 201 404 403 401
register vehicle li       201 403 403 403 201 201 404 404 403 201 404 403 401
add interaction li        201 201 201 403 201 201 404 404 201 201 404 403 401
delete wang               204 403 403 403 403 403 403 403 403 403 403 403 401
delete zhang (history)    422 403 403 403 403 403 403 403 403 403 403 403 401
erase wang                200 403 403 403 403 200 403 403 403 403 403 403 401
restore wang (not erased) 422 403 403 403 403 422 403 403 403 403 403 403 401
"""


def _parse_matrix(text: str) -> dict[str, dict[str, int]]:
    """{user key: {endpoint name: expected status}} from the table above."""
    header, *rows = text.strip().splitlines()
    columns = [COLUMNS[c] for c in header.split()[1:]]
    expected: dict[str, dict[str, int]] = {user: {} for user in columns}
    for row in rows:
        words = row.split()
        row_name, statuses = " ".join(words[: -len(columns)]), words[-len(columns) :]
        for name in RECORDS.get(row_name, [row_name]):
            assert name in ENDPOINTS, name
            for user, status in zip(columns, statuses):
                expected[user][name] = int(status)
    return expected


EXPECTED = _parse_matrix(MATRIX)


def test_matrix_covers_every_endpoint():
    assert set(EXPECTED["admin"]) == set(ENDPOINTS)


@pytest.fixture
def ids(customers):
    zhang, li = customers["zhang"], customers["li"]
    return {
        "zhang": zhang.pk,
        "li": li.pk,
        "wang": customers["wang"].pk,
        "zhang_phone": zhang.contact_points.get(kind="phone").pk,
        "zhang_car": Vehicle.objects.get(ownerships__customer=zhang).pk,
        "li_car": Vehicle.objects.get(ownerships__customer=li).pk,
    }


def call(client, method: str, path: str, body=None):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body, content_type="application/json")


@pytest.mark.parametrize("who", list(COLUMNS.values()))
def test_scoping_matrix(client, users, ids, who):
    if who != "anonymous":
        client.force_login(users[who])
    wrong = []
    for name, expected in EXPECTED[who].items():
        method, path, body = ENDPOINTS[name]
        with transaction.atomic():
            response = call(client, method, path.format(**ids), body)
            transaction.set_rollback(True)
        if response.status_code != expected:
            wrong.append(f"{name}: {response.status_code} (expected {expected}) {response.content[:120]!r}")
    assert not wrong, "\n".join(wrong)


# Which fixture customers each user may see: the list and the lookup show these and no others.
SEES = {
    "admin": {"张伟", "李娜", "王芳"},
    "hq_sales": {"张伟", "李娜", "王芳"},
    "hq_marketing": {"张伟", "李娜", "王芳"},
    "analyst": {"张伟", "李娜", "王芳"},
    "agent": {"张伟", "李娜", "王芳"},
    "supervisor": {"张伟", "李娜", "王芳"},
    "dealer_manager": {"张伟"},
    "dealer_sales": {"张伟"},
    "service_advisor": {"李娜"},
    "region_manager": {"张伟", "李娜"},
    "other_dealer": {"王芳"},
    "no_role": set(),
}
# Every way to look each customer up.
LOOKUPS = {
    "张伟": [
        "张",
        "138 0013 8000",
        "+86 138-0013-8000",
        "ZHANG.WEI@example.cn",
        "LSVAU218XN2183294",
        "沪A·12345",
        "11010519491231002X",
        "8000",  # the last four digits of the phone
        "183294",  # the VIN's serial (its last six characters)
        "a·12345",  # the plate without its province character
    ],
    "李娜": ["李", "13900139000", "LSVCC6A48PN000007", "9000", "000007"],
    "王芳": ["王芳", "13700137000"],
}


@pytest.mark.parametrize("who", list(SEES))
def test_list_and_lookup_show_only_what_the_user_may_see(client, users, customers, who):
    client.force_login(users[who])
    listed = {row["name"] for row in client.get("/api/customers").json()["results"]}
    assert listed == SEES[who]
    for name, queries in LOOKUPS.items():
        for q in queries:
            found = [row["name"] for row in client.get("/api/lookup", {"q": q}).json()]
            assert found == ([name] if name in SEES[who] else []), (q, found)


def test_lookup_is_a_fixed_number_of_queries(client, users, customers, django_assert_num_queries):
    """Token check (1), the token and user (1, then from the cache), the dealer's roles and their
    units (2, the roles then from the cache), the lookup itself (1): no per-row query."""
    from guanxi.core.models import ApiToken

    _, raw = ApiToken.issue(users["dealer_sales"], "bench")
    headers = {"Authorization": f"Bearer {raw}"}
    with django_assert_num_queries(5):
        client.get("/api/lookup", {"q": "138 0013 8000"}, headers=headers)
    with django_assert_num_queries(3):
        response = client.get("/api/lookup", {"q": "138 0013 8000"}, headers=headers)
    assert response.json() == [
        {
            "id": customers["zhang"].pk,
            "name": "张伟",
            "tier": "standard",
            "lifecycle_stage": "prospect",
            "home_dealer_id": customers["zhang"].home_dealer_id,
        }
    ]


# Headers only the full stack adds: the session (Vary: Cookie) and locale (Vary: Accept-Language,
# Content-Language) middleware, which a token read does not go through.
FULL_STACK_ONLY_HEADERS = {"Vary", "Content-Language"}


@pytest.mark.parametrize("who", list(SEES))
def test_the_lean_lookup_answers_what_the_endpoint_answers(client, users, customers, who):
    """For every role and every kind of query: the same status, the same bytes, the same headers
    (but those of middleware the lean path leaves out), and answered on the lean path."""
    from guanxi.core.models import ApiToken

    _, raw = ApiToken.issue(users[who], "lean")
    lean = LeanClient()
    for name, queries in LOOKUPS.items():
        for q in queries:
            answer = lean.get("/api/lookup", {"q": q}, token=raw)
            full = client.get("/api/lookup", {"q": q}, headers={"Authorization": f"Bearer {raw}"})
            assert answer.lean, q
            assert (answer.status, answer.content) == (full.status_code, full.content), q
            assert answer.headers == {k: v for k, v in full.headers.items() if k not in FULL_STACK_ONLY_HEADERS}
            found = [row["name"] for row in json.loads(answer.content)]
            assert found == ([name] if name in SEES[who] else []), (q, found)


@pytest.mark.parametrize(
    "query",
    [{}, {"q": ""}, {"q": "1" * 101}, {"q": ["13800138000", "13900139000"]}],
    ids=["none", "empty", "long", "twice"],
)
def test_a_lookup_the_lean_path_does_not_expect_gets_the_endpoints_answer(client, users, customers, query):
    from guanxi.core.models import ApiToken

    _, raw = ApiToken.issue(users["agent"], "lean")
    answer = LeanClient().get("/api/lookup", query, token=raw)
    full = client.get("/api/lookup", query, headers={"Authorization": f"Bearer {raw}"})
    assert not answer.lean
    assert (answer.status, answer.content) == (full.status_code, full.content)


def test_the_lean_lookup_is_a_fixed_number_of_queries(users, customers, django_assert_num_queries):
    """As on the full path: 5 queries, then 3 once the token, user and roles are in the cache."""
    from guanxi.core.models import ApiToken

    _, raw = ApiToken.issue(users["dealer_sales"], "lean")
    with django_assert_num_queries(5):
        LeanClient().get("/api/lookup", {"q": "138 0013 8000"}, token=raw)
    with django_assert_num_queries(3):
        answer = LeanClient().get("/api/lookup", {"q": "138 0013 8000"}, token=raw)
    assert answer.lean and [row["name"] for row in json.loads(answer.content)] == ["张伟"]


def test_keyset_pagination_walks_every_customer_once_without_counting(client, users, customers):
    client.force_login(users["admin"])
    for i in range(4):
        Customer.objects.create(name=f"客户{i}")
    seen, url, pages = [], "/api/customers?page_size=2", 0
    while url:
        page = client.get(url).json()
        assert "count" not in page
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1
    assert seen == sorted(Customer.objects.values_list("pk", flat=True), reverse=True)
    assert pages == 4


def test_list_filters(client, users, customers, org):
    client.force_login(users["admin"])
    Customer.objects.filter(pk=customers["li"].pk).update(tier="vip", lifecycle_stage="owner")

    def names(**params):
        return [row["name"] for row in client.get("/api/customers", params).json()["results"]]

    assert names(tier="vip") == ["李娜"]
    assert names(lifecycle_stage="owner", tier="vip") == ["李娜"]
    assert names(home_dealer=org["D-GZ1"].pk) == ["王芳"]
    assert names(q="张") == ["张伟"]
    assert names(segment="fleet") == []
    vins = [row["vin"] for row in client.get("/api/vehicles", {"q": "lsvau"}).json()["results"]]
    assert vins == ["LSVAU218XN2183294"]


def test_a_dealer_cannot_filter_on_another_dealer(client, users, customers, org):
    client.force_login(users["dealer_sales"])
    response = client.get("/api/customers", {"home_dealer": org["D-GZ1"].pk})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "home_dealer"


def test_interactions_newest_first(client, users, customers):
    client.force_login(users["agent"])
    url = f"/api/customers/{customers['zhang'].pk}/interactions"
    for when, subject in [
        ("2026-01-02T10:00:00+08:00", "second"),
        ("2026-01-01T10:00:00+08:00", "first"),
        ("2026-01-03T10:00:00+08:00", "third"),
    ]:
        body = {"channel": "phone", "direction": "in", "subject": subject, "occurred_at": when}
        assert client.post(url, body, content_type="application/json").status_code == 201
    page = client.get(url, {"page_size": 2}).json()
    assert [row["subject"] for row in page["results"]] == ["third", "second"]
    assert [row["subject"] for row in client.get(page["next"]).json()["results"]] == ["first"]


def test_create_customer_with_contacts(client, users, org):
    client.force_login(users["dealer_sales"])
    body = {
        "name": "赵敏",
        "tier": "gold",
        "national_id": "11010519491231002X",
        "birth_date": "1949-12-31",
        "contacts": [
            {"kind": "phone", "value": "135 0013 5000", "is_primary": True},
            {"kind": "email", "value": "Zhao.Min@Example.cn"},
        ],
    }
    response = client.post("/api/customers", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["name"], data["tier"], data["home_dealer_id"]) == ("赵敏", "gold", org["D-SH1"].pk)
    assert "national_id" not in data and data["national_id_on_file"]
    assert (data["national_id_masked"], data["birth_date"], data["birth_year"]) == ("", None, 1949)  # see test_identity
    contacts = client.get(f"/api/customers/{data['id']}/contact-points").json()["results"]
    assert {(c["kind"], c["value"]) for c in contacts} == {("phone", "135 0013 5000"), ("email", "Zhao.Min@Example.cn")}


def test_register_vehicle_transfers_a_known_vin(client, users, customers):
    client.force_login(users["admin"])
    zhang, li = customers["zhang"], customers["li"]
    body = {"vin": "lsvau218-xn2183294", "model": "帕萨特 Passat", "model_year": 2022, "purchase_date": "2025-06-01"}
    response = client.post(f"/api/customers/{li.pk}/vehicles", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["vin"] == "LSVAU218XN2183294"
    assert client.get(f"/api/customers/{zhang.pk}/vehicles").json()["results"] == []
    assert {v["vin"] for v in client.get(f"/api/customers/{li.pk}/vehicles").json()["results"]} == {
        "LSVAU218XN2183294",
        "LSVCC6A48PN000007",
    }
    assert Ownership.objects.filter(vehicle__vin="LSVAU218XN2183294").count() == 2


def test_opt_out_and_consent(client, users, customers):
    client.force_login(users["agent"])
    zhang = customers["zhang"]
    phone = zhang.contact_points.get(kind="phone")
    response = client.patch(f"/api/contact-points/{phone.pk}", {"opted_out": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["opted_out"] and response.json()["opted_out_at"]
    body = {"channel": "sms", "purpose": "marketing", "granted": False, "how": "recorded call"}
    url = f"/api/customers/{zhang.pk}/consents"
    assert client.post(url, body, content_type="application/json").status_code == 201  # a new answer
    assert client.post(url, {**body, "granted": True}, content_type="application/json").status_code == 200  # again
    [consent] = client.get(url).json()["results"]
    assert (consent["channel"], consent["granted"]) == ("sms", True)
    withdrawn = client.patch(f"/api/consents/{consent['id']}", {"granted": False, "how": "hotline"},
                             content_type="application/json")
    assert withdrawn.status_code == 200, withdrawn.content
    answer = withdrawn.json()
    assert (answer["id"], answer["channel"], answer["granted"]) == (consent["id"], "sms", False)


# --- bad input ----------------------------------------------------------------------------------

BAD_INPUT = [
    # (method, path, body, the field the 422 must name)
    ("post", "/api/customers", {"contacts": []}, "name"),
    ("post", "/api/customers", {"name": "x", "tier": "platinum"}, "tier"),
    ("post", "/api/customers", {"name": "x", "gender": "x"}, "gender"),
    ("post", "/api/customers", {"name": "x", "birth_date": "1990-02-30"}, "birth_date"),
    ("post", "/api/customers", {"name": "x", "birth_date": "2999-01-01"}, "birth_date"),
    ("post", "/api/customers", {"name": "x", "national_id": "110105194912310021"}, "national_id"),
    ("post", "/api/customers", {"name": "x", "home_dealer_id": 999999}, "home_dealer_id"),
    ("post", "/api/customers", {"name": "x" * 201}, "name"),
    ("post", "/api/customers", {"name": "x", "contacts": [{"kind": "phone", "value": "12345"}]}, "contacts[0].value"),
    (
        "post",
        "/api/customers",
        {"name": "x", "contacts": [{"kind": "email", "value": "no-at-sign"}]},
        "contacts[0].value",
    ),
    ("post", "/api/customers", {"name": "x", "contacts": [{"kind": "fax", "value": "1"}]}, "contacts[0].kind"),
    ("patch", "/api/customers/{zhang}", {"tier": "platinum"}, "tier"),
    ("patch", "/api/customers/{zhang}", {"name": ""}, "name"),
    ("patch", "/api/customers/{zhang}", {"lifecycle_stage": "reborn"}, "lifecycle_stage"),
    ("patch", "/api/customers/{zhang}", {"national_id": "not-an-id"}, "national_id"),
    ("post", "/api/customers/{zhang}/contact-points", {"kind": "phone", "value": "call me"}, "value"),
    ("post", "/api/customers/{zhang}/contact-points", {"kind": "pager", "value": "1"}, "kind"),
    ("patch", "/api/contact-points/{zhang_phone}", {"opted_out": "maybe"}, "opted_out"),
    (
        "post",
        "/api/customers/{zhang}/consents",
        {"channel": "telex", "purpose": "marketing", "granted": True},
        "channel",
    ),
    ("post", "/api/customers/{zhang}/consents", {"channel": "sms", "purpose": "marketing"}, "granted"),
    # taking part in a club event is on the timeline, but nobody is contacted through it
    ("post", "/api/customers/{zhang}/consents", {"channel": "event", "purpose": "marketing", "granted": True,
                                                  "how": "web form"},
     "channel"),
    ("post", "/api/customers/{zhang}/vehicles", {"vin": "LSVAU218XN2183295", "model": "x", "model_year": 2024}, "vin"),
    ("post", "/api/customers/{zhang}/vehicles", {"vin": "LSVAU218ON2183294", "model": "x", "model_year": 2024}, "vin"),
    (
        "post",
        "/api/customers/{zhang}/vehicles",
        {"vin": NEW_VIN, "model": "x", "model_year": 2024, "plate": "ABC"},
        "plate",
    ),
    ("post", "/api/customers/{zhang}/vehicles", {"vin": NEW_VIN, "model": "x", "model_year": "new"}, "model_year"),
    (
        "post",
        "/api/customers/{zhang}/vehicles",
        {"vin": NEW_VIN, "model": "x", "model_year": 2024, "purchase_date": "yesterday"},
        "purchase_date",
    ),
    ("post", "/api/customers/{zhang}/vehicles", {"vin": NEW_VIN, "model": "", "model_year": 2024}, "model"),
    ("post", "/api/customers/{zhang}/vehicles", {"vin": NEW_VIN, "model": "x", "model_year": 99999}, "model_year"),
    (
        "post",
        "/api/customers/{zhang}/vehicles",
        {"vin": NEW_VIN, "model": "x", "model_year": 2024, "mileage_km": -5},
        "mileage_km",
    ),
    (
        "post",
        "/api/customers/{zhang}/vehicles",
        {"vin": NEW_VIN, "model": "x", "model_year": 2024, "price": "12345678901.5"},
        "price",
    ),
    (
        "post",
        "/api/customers/{zhang}/vehicles",
        {"vin": NEW_VIN, "model": "x", "model_year": 2024, "selling_dealer_id": 999999},
        "selling_dealer_id",
    ),
    (
        "post",
        "/api/customers/{zhang}/interactions",
        {"channel": "phone", "direction": "up", "subject": "x"},
        "direction",
    ),
    (
        "post",
        "/api/customers/{zhang}/interactions",
        {"channel": "phone", "direction": "in", "subject": "x", "occurred_at": "last tuesday"},
        "occurred_at",
    ),
    ("post", "/api/customers/{zhang}/interactions", {"channel": "phone", "direction": "in", "subject": ""}, "subject"),
    ("get", "/api/customers?tier=platinum", None, "tier"),
    ("get", "/api/customers?home_dealer=x", None, "home_dealer"),
    ("get", "/api/customers?home_dealer=999999", None, "home_dealer"),
    ("get", "/api/vehicles?model_year=soon", None, "model_year"),
    ("get", "/api/customers?cursor=cD1hYmM=", None, "cursor"),  # p=abc
    ("get", "/api/customers?cursor=not*base64", None, "cursor"),
    ("get", "/api/lookup", None, "q"),
    ("get", "/api/customers/abc", None, "pk"),
    # issue 8: accepted once, refused now, with the field named
    ("post", "/api/customers", {"name": "   "}, "name"),
    ("post", "/api/customers", {"name": "张\u202e伟"}, "name"),  # a right-to-left override
    ("post", "/api/customers", {"name": "x", "birth_date": "0001-01-01"}, "birth_date"),
    ("post", "/api/customers", {"name": "x", "contacts": [{"kind": "email", "value": "a@b.c\n"}]},
     "contacts[0].value"),
    ("patch", "/api/customers/{zhang}", {"city": "上海\u200b"}, "city"),
    ("post", "/api/customers/{zhang}/vehicles", {"vin": NEW_VIN, "model": "x", "model_year": 2024, "price": -1},
     "price"),
    ("post", "/api/customers/{zhang}/vehicles",
     {"vin": NEW_VIN, "model": "x", "model_year": 2024, "purchase_date": "9999-12-31"}, "purchase_date"),
    ("post", "/api/customers/{zhang}/vehicles",
     {"vin": NEW_VIN, "model": "x", "model_year": 2024, "warranty_end": "0001-01-01"}, "warranty_end"),
    ("post", "/api/customers/{zhang}/interactions", {"channel": "phone", "direction": "in", "subject": " "},
     "subject"),
    ("post", "/api/customers/{zhang}/interactions",
     {"channel": "phone", "direction": "in", "subject": "x", "amount": "-5"}, "amount"),
]

WATCHED = (Customer, ContactPoint, Consent, Vehicle, Ownership, Interaction, StageChange, LogEntry)


def _row_counts():
    return {model.__name__: model.objects.count() for model in WATCHED}


def test_a_dealer_cannot_file_customers_under_another_dealer(client, users, org):
    client.force_login(users["dealer_sales"])
    before = _row_counts()
    response = client.post(
        "/api/customers", {"name": "x", "home_dealer_id": org["D-GZ1"].pk}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "home_dealer_id"
    assert _row_counts() == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), BAD_INPUT, ids=[f"{c[0]} {c[1]} {c[3]}" for c in BAD_INPUT]
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(client, users, ids, method, path, body, field):
    client.force_login(users["admin"])
    before = _row_counts()
    response = call(client, method, path.format(**ids), body)
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert field in [error["field"] for error in detail], detail
    assert all(error["msg"] for error in detail)
    assert _row_counts() == before


def test_unparseable_json_is_400_and_writes_nothing(client, users):
    """Not JSON at all is a syntax error (400, Ninja's own answer), not a field to name."""
    client.force_login(users["admin"])
    before = _row_counts()
    response = client.post("/api/customers", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert _row_counts() == before


# --- audit, deletion, erasure -------------------------------------------------------------------


def test_api_change_is_audited_with_actor_and_channel(client, users, customers):
    from guanxi.core.models import ApiToken

    user = users["dealer_manager"]
    _, raw = ApiToken.issue(user, "dms sync", scope="write")
    zhang = customers["zhang"]
    response = client.patch(
        f"/api/customers/{zhang.pk}",
        {"tier": "vip"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200 and response.json()["tier"] == "vip"
    entry = LogEntry.objects.get_for_object(zhang).order_by("-pk").first()
    assert entry.actor == user
    assert entry.additional_data["channel"] == "api"
    assert entry.changes_dict["tier"] == ["standard", "vip"]


def test_session_change_is_audited_as_api_too(client, users, customers):
    client.force_login(users["agent"])
    zhang = customers["zhang"]
    client.patch(f"/api/customers/{zhang.pk}", {"city": "上海"}, content_type="application/json")
    entry = LogEntry.objects.get_for_object(zhang).order_by("-pk").first()
    assert (entry.actor, entry.additional_data["channel"]) == (users["agent"], "api")


def test_stage_change_is_recorded(client, users, customers):
    client.force_login(users["agent"])
    zhang = customers["zhang"]
    response = client.patch(f"/api/customers/{zhang.pk}", {"lifecycle_stage": "owner"}, content_type="application/json")
    assert response.json()["lifecycle_stage"] == "owner"
    assert zhang.stage_changes.first().to_stage == "owner"


def test_delete_is_refused_when_the_customer_has_history(client, users, customers):
    client.force_login(users["admin"])
    zhang = customers["zhang"]
    response = client.delete(f"/api/customers/{zhang.pk}", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "customer"
    assert "erase" in response.json()["detail"][0]["msg"]
    assert Customer.objects.filter(pk=zhang.pk).exists()
    assert client.delete(f"/api/customers/{customers['wang'].pk}").status_code == 204
    assert not Customer.objects.filter(pk=customers["wang"].pk).exists()


def test_erase_removes_personal_data_and_blanks_the_audit_log(client, users, customers):
    client.force_login(users["supervisor"])
    zhang = customers["zhang"]
    client.patch(
        f"/api/customers/{zhang.pk}", {"name_latin": "Zhang Wei", "city": "上海"}, content_type="application/json"
    )
    response = client.post(f"/api/customers/{zhang.pk}/erase")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["name"] != "张伟" and data["erased_at"] and data["national_id_masked"] == ""
    assert not ContactPoint.objects.filter(customer=zhang).exists()
    assert client.get(f"/api/customers/{zhang.pk}/contact-points").json()["results"] == []
    assert client.get("/api/lookup", {"q": "13800138000"}).json() == []
    logged = repr(list(LogEntry.objects.values_list("object_repr", "changes", "changes_text")))
    for secret in ("张伟", "Zhang Wei", "13800138000", "138 0013 8000", "zhang.wei", "Zhang.Wei", "1101**"):
        assert secret not in logged, secret
    erasure = LogEntry.objects.get_for_object(zhang).order_by("-pk").first()
    assert (erasure.actor, erasure.additional_data["channel"]) == (users["supervisor"], "api")
    assert set(erasure.changes_dict) == {"erased_at"}


def test_a_vehicle_registered_by_mistake_is_deleted_one_with_history_is_kept(client, users, customers):
    client.force_login(users["admin"])
    mistake = client.post(f"/api/customers/{customers['wang'].pk}/vehicles",
                          {"vin": NEW_VIN, "model": "ID.4", "model_year": 2024}, content_type="application/json")
    assert client.delete(f"/api/vehicles/{mistake.json()['id']}").status_code == 204
    assert not Vehicle.objects.filter(vin=NEW_VIN).exists()
    zhang_car = Vehicle.objects.get(ownerships__customer=customers["zhang"])
    # sold on to 王芳: the car now has an earlier owner
    client.post(f"/api/customers/{customers['wang'].pk}/vehicles", {"vin": zhang_car.vin, "model": zhang_car.model,
                "model_year": zhang_car.model_year}, content_type="application/json")
    refused = client.delete(f"/api/vehicles/{zhang_car.pk}")
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "vehicle"
    assert Vehicle.objects.filter(pk=zhang_car.pk).exists()


def test_a_vehicle_is_changed_but_only_sent_to_a_station_the_user_works_for(client, users, customers, org):
    zhang_car = Vehicle.objects.get(ownerships__customer=customers["zhang"])
    client.force_login(users["dealer_sales"])
    changed = client.patch(f"/api/vehicles/{zhang_car.pk}", {"mileage_km": 15000, "plate": "沪A 54321"},
                           content_type="application/json")
    assert changed.status_code == 200 and (changed.json()["mileage_km"], changed.json()["plate"]) == (15000, "沪A54321")
    elsewhere = client.patch(f"/api/vehicles/{zhang_car.pk}", {"service_unit_id": org["D-GZ1"].pk},
                             content_type="application/json")
    assert elsewhere.status_code == 422 and elsewhere.json()["detail"][0]["field"] == "service_unit_id"
    zhang_car.refresh_from_db()
    assert zhang_car.service_unit_id is None and zhang_car.mileage_km == 15000


def test_a_timeline_entry_is_corrected_by_its_unit_and_deleted_only_by_an_administrator(client, users, customers):
    client.force_login(users["agent"])
    logged = client.post(f"/api/customers/{customers['li'].pk}/interactions",
                         {"channel": "phone", "direction": "in", "subject": "保养"}, content_type="application/json")
    entry = logged.json()["id"]
    corrected = client.patch(f"/api/interactions/{entry}", {"subject": "保养预约", "summary": "周六上午"},
                             content_type="application/json")
    assert corrected.status_code == 200 and (corrected.json()["subject"], corrected.json()["summary"]) == (
        "保养预约", "周六上午")
    assert client.patch(f"/api/interactions/{entry}", {"subject": ""},
                        content_type="application/json").json()["detail"][0]["field"] == "subject"
    assert client.delete(f"/api/interactions/{entry}").status_code == 403
    client.force_login(users["admin"])
    assert client.delete(f"/api/interactions/{entry}").status_code == 204
    assert not Interaction.objects.filter(pk=entry).exists()


def test_top_level_lists_filter_like_the_list_pages(client, users, customers):
    client.force_login(users["agent"])
    phones = client.get("/api/contact-points", {"kind": "phone"}).json()["results"]
    assert {row["value"] for row in phones} == {"138 0013 8000", "13900139000", "13700137000"}
    ContactPoint.objects.filter(value="13700137000").update(opted_out=True)
    reachable = client.get("/api/contact-points", {"kind": "phone", "opted_out": "false"}).json()["results"]
    assert {row["value"] for row in reachable} == {"138 0013 8000", "13900139000"}
    bad = client.get("/api/contact-points", {"kind": "pager"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "kind"


def test_an_erased_customer_is_frozen_until_an_administrator_restores_it(client, users, customers):
    wang = customers["wang"]
    client.force_login(users["admin"])
    assert client.post(f"/api/customers/{wang.pk}/erase").status_code == 200
    for method, path, body in [
        ("patch", f"/api/customers/{wang.pk}", {"name": "王芳"}),
        ("post", f"/api/customers/{wang.pk}/contact-points", {"kind": "phone", "value": "13700137000"}),
        ("post", f"/api/customers/{wang.pk}/consents", {"channel": "sms", "purpose": "marketing", "granted": True,
                                                        "how": "web"}),
        ("post", f"/api/customers/{wang.pk}/interactions", {"channel": "phone", "direction": "in", "subject": "x"}),
    ]:
        response = call(client, method, path, body)
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == "customer", (method, path)
    assert Customer.objects.get(pk=wang.pk).name != "王芳"
    client.force_login(users["dealer_manager"])
    assert client.post(f"/api/customers/{wang.pk}/restore").status_code == 403
    client.force_login(users["admin"])
    restored = client.post(f"/api/customers/{wang.pk}/restore")
    assert restored.status_code == 200 and restored.json()["erased_at"] is None
    assert call(client, "patch", f"/api/customers/{wang.pk}", {"name": "王芳"}).status_code == 200
