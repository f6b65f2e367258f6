"""`referred_by_id` in the customers API: answered only when the referrer is a customer the reader
may see and whose record was not erased, as the form and the 360 page show it; null otherwise, on
every path that answers a customer (list, one, a write's answer), so an id out of scope does not leak."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.models import ApiToken
from guanxi.core.roles import Role
from guanxi.customers import services


@pytest.fixture
def referred(users, customers, org):
    """Two customers of dealer D-SH1: one referred by Wang (dealer D-GZ1's), one by Zhang (D-SH1's own)."""
    admin = users[Role.ADMIN]
    by_wang = services.create_customer(admin, {"name": "赵敏", "home_dealer_id": org["D-SH1"].pk,
                                               "source": "referral", "referred_by_id": customers["wang"].pk})
    by_zhang = services.create_customer(admin, {"name": "吴磊", "home_dealer_id": org["D-SH1"].pk,
                                                "source": "referral", "referred_by_id": customers["zhang"].pk})
    return {"by_wang": by_wang, "by_zhang": by_zhang}


def _referrers(client, **headers) -> dict[str, int | None]:
    """Name -> referred_by_id of every customer of the list, and of each of them read alone."""
    rows = client.get("/api/customers", headers=headers).json()["results"]
    listed = {row["name"]: row["referred_by_id"] for row in rows}
    alone = {row["name"]: client.get(f"/api/customers/{row['id']}", headers=headers).json()["referred_by_id"]
             for row in rows}
    assert listed == alone
    return listed


def test_a_referrer_of_another_dealer_reads_null_for_the_dealer_and_its_id_for_head_office(
        client, users, customers, referred):
    _, raw = ApiToken.issue(users[Role.DEALER_SALES], "dms")
    dealer = _referrers(client, Authorization=f"Bearer {raw}")
    assert dealer["赵敏"] is None  # Wang is dealer D-GZ1's: not even her id
    assert dealer["吴磊"] == customers["zhang"].pk  # the dealer's own customer: shown
    for who in (Role.HQ_SALES, Role.AGENT):
        client.force_login(users[who])
        seen = _referrers(client)
        assert (seen["赵敏"], seen["吴磊"]) == (customers["wang"].pk, customers["zhang"].pk)


def test_a_writes_answer_does_not_show_a_referrer_out_of_sight(client, users, customers, referred):
    client.force_login(users[Role.DEALER_SALES])
    by_wang = referred["by_wang"]
    response = client.patch(f"/api/customers/{by_wang.pk}", {"tier": "gold"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["tier"] == "gold"
    assert response.json()["referred_by_id"] is None
    by_wang.refresh_from_db()
    assert by_wang.referred_by_id == customers["wang"].pk  # left as it was, only not shown

    body = {"name": "钱进", "source": "referral", "referred_by_id": customers["zhang"].pk}
    created = client.post("/api/customers", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["referred_by_id"] == customers["zhang"].pk


def test_an_erased_referrer_reads_null_for_everybody(client, users, customers, referred):
    services.erase_customer(users[Role.ADMIN], customers["zhang"].pk)
    for who in (Role.DEALER_SALES, Role.HQ_SALES, Role.ADMIN):
        client.force_login(users[who])
        assert _referrers(client)["吴磊"] is None, who
    client.force_login(users[Role.SUPERVISOR])  # restoring answers the record as a read does
    restored = client.post(f"/api/customers/{customers['zhang'].pk}/restore").json()
    assert restored["referred_by_id"] is None
    assert _referrers(client)["吴磊"] == customers["zhang"].pk  # restored: in sight again


def test_the_list_decides_the_referrers_in_its_one_query(client, users, customers, referred, org):
    client.force_login(users[Role.DEALER_SALES])
    client.get("/api/customers")  # the session, the user and their roles: read and cached

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/customers").status_code == 200
        return len(captured)

    before = queries()
    admin = users[Role.ADMIN]
    for n in range(5):
        services.create_customer(admin, {"name": f"推荐{n}", "home_dealer_id": org["D-SH1"].pk,
                                         "referred_by_id": customers["wang" if n % 2 else "zhang"].pk})
    assert queries() == before


def test_sending_back_the_null_read_for_a_referrer_out_of_sight_keeps_it(client, users, customers, referred):
    """A client that saves the whole record it read sends `referred_by_id: null` back: the referral of another
    dealer's customer (and its influence) is not lost for that; the dealer's own referrer is cleared when asked."""
    client.force_login(users[Role.DEALER_SALES])
    by_wang, by_zhang = referred["by_wang"], referred["by_zhang"]
    record = client.get(f"/api/customers/{by_wang.pk}").json()
    assert record["referred_by_id"] is None
    response = client.patch(f"/api/customers/{by_wang.pk}", {"tier": "gold", "referred_by_id": None},
                            content_type="application/json")
    assert response.status_code == 200
    by_wang.refresh_from_db()
    assert (by_wang.tier, by_wang.referred_by_id) == ("gold", customers["wang"].pk)
    cleared = client.patch(f"/api/customers/{by_zhang.pk}", {"referred_by_id": None}, content_type="application/json")
    by_zhang.refresh_from_db()
    assert cleared.status_code == 200 and by_zhang.referred_by_id is None
