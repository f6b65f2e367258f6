"""The customer pages: who may open what (a full matrix), what a dealer never sees, and how many
queries each page costs, pinned so an N+1 never creeps in."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.normalize import vin_check_digit
from tests.conftest import shared_people

people, org, users, customers = shared_people()

EVERYONE = ["zhang", "li", "wang"]
# user key -> the fixture customers whose 360 page the user may open (everything else is a 404)
VISIBLE = {
    Role.ADMIN: EVERYONE,
    Role.HQ_SALES: EVERYONE,
    Role.HQ_MARKETING: EVERYONE,
    Role.ANALYST: EVERYONE,
    Role.AGENT: EVERYONE,
    Role.SUPERVISOR: EVERYONE,
    Role.DEALER_MANAGER: ["zhang"],
    Role.DEALER_SALES: ["zhang"],
    Role.SERVICE_ADVISOR: ["li"],
    "region_manager": ["zhang", "li"],
    "other_dealer": ["wang"],
    "no_role": [],
}
NAMES = {"zhang": "张伟", "li": "李娜", "wang": "王芳"}
LIST_PAGES = ["home", "customers:list", "customers:vehicles", "customers:search"]


def MATRIX_PAGES(customers):  # noqa: N802  (read by tests/core/test_route_matrix.py)
    """(url name, args) of every page the matrices below open for each user."""
    return [(page, []) for page in LIST_PAGES] + [("customers:detail", [customers["zhang"].pk])]


def test_the_matrix_covers_every_fixture_user(users):
    assert set(VISIBLE) == set(users)


@pytest.mark.parametrize("user_key", list(VISIBLE))
@pytest.mark.parametrize("page", LIST_PAGES)
def test_every_signed_in_user_may_open_the_list_pages(client, users, customers, user_key, page):
    client.force_login(users[user_key])
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("user_key", list(VISIBLE))
@pytest.mark.parametrize("customer_key", EVERYONE)
def test_360_page_is_open_in_scope_and_404_outside(client, users, customers, user_key, customer_key):
    client.force_login(users[user_key])
    response = client.get(reverse("customers:detail", args=[customers[customer_key].pk]))
    assert response.status_code == (200 if customer_key in VISIBLE[user_key] else 404)


@pytest.mark.parametrize("user_key", list(VISIBLE))
@pytest.mark.parametrize("customer_key", EVERYONE)
def test_list_and_search_show_exactly_the_customers_in_scope(client, users, customers, user_key, customer_key):
    client.force_login(users[user_key])
    listed = client.get(reverse("customers:list")).content.decode()
    found = client.get(reverse("customers:search"), {"q": NAMES[customer_key]})
    in_scope = customer_key in VISIBLE[user_key]
    assert (NAMES[customer_key] in listed) == in_scope
    if in_scope:
        assert found.status_code == 302
        assert found.url == reverse("customers:detail", args=[customers[customer_key].pk])
    else:
        assert found.status_code == 200
        assert reverse("customers:detail", args=[customers[customer_key].pk]) not in found.content.decode()


@pytest.mark.parametrize(
    "page",
    LIST_PAGES + ["customers:detail"],
)
def test_anonymous_users_are_sent_to_the_login_page(client, customers, page):
    url = reverse(page, args=[customers["zhang"].pk]) if page == "customers:detail" else reverse(page)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_dealer_never_finds_another_dealers_customer_by_identifier(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    for query in ["139 0013 9000", "LSVCC6A48PN000007", "13700137000"]:
        page = client.get(reverse("customers:search"), {"q": query})
        assert page.status_code == 200
        assert "李娜" not in page.content.decode() and "王芳" not in page.content.decode()


def test_dealer_filtering_by_another_dealer_still_sees_only_its_own(client, users, customers, org):
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("customers:list"), {"home_dealer": org["D-GZ1"].pk}).content.decode()
    assert "王芳" not in page
    vehicles = client.get(reverse("customers:vehicles")).content.decode()
    assert "LSVAU218XN2183294" in vehicles and "LSVCC6A48PN000007" not in vehicles


def test_global_search_by_phone_opens_the_360_page(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    response = client.get(reverse("customers:search"), {"q": "138 0013 8000"}, follow=True)
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("customers:detail", args=[customers["zhang"].pk])
    assert "张伟" in content and "沪A12345" in content and "138 0013 8000" in content


def test_search_with_several_hits_lists_them(client, users, customers):
    admin = users[Role.ADMIN]
    services.create_customer(admin, {"name": "张伟强"})
    client.force_login(admin)
    page = client.get(reverse("customers:search"), {"q": "张伟"})
    assert page.status_code == 200
    assert "张伟强" in page.content.decode()


def test_filters_narrow_the_list(client, users, customers, org):
    client.force_login(users[Role.ADMIN])
    page = client.get(reverse("customers:list"), {"home_dealer": org["D-GZ1"].pk}).content.decode()
    assert "王芳" in page and "张伟" not in page
    page = client.get(reverse("customers:list"), {"q": "李"}).content.decode()
    assert "李娜" in page and "王芳" not in page
    page = client.get(reverse("customers:list"), {"lifecycle_stage": "loyal"}).content.decode()
    assert "张伟" not in page


def test_htmx_requests_get_only_the_results_fragment(client, users, customers):
    client.force_login(users[Role.ADMIN])
    page = client.get(reverse("customers:list"), {"sort": "name"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="object-list"' in page and "<html" not in page and "张伟" in page


def test_list_pages_past_the_end_show_the_first_page(client, users, customers):
    client.force_login(users[Role.ADMIN])
    for page in ["999", "x"]:
        assert "张伟" in client.get(reverse("customers:list"), {"page": page}).content.decode()


@pytest.mark.parametrize("page", ["customers:list", "customers:vehicles"])
def test_lists_never_count_the_table_and_pin_their_queries(
    client, users, customers, page, django_assert_max_num_queries
):
    # session, user, roles, unit subtree, dealers of the filter, one page of rows, unread notifications
    client.force_login(users[Role.DEALER_SALES])
    with django_assert_max_num_queries(7) as captured:
        assert client.get(reverse(page), {"sort": "-name" if page == "customers:list" else "vin"}).status_code == 200
    counted = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counted if "customers_" in sql]


def valid_vin(serial: int) -> str:
    draft = f"LSVAB2180N{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def _add_history(user, customer, n):
    for i in range(n):
        services.add_vehicle(
            user,
            customer.pk,
            {"vin": valid_vin(i), "model": "朗逸 Lavida", "model_year": 2020, "plate": f"沪B{10000 + i}"},
        )
        services.add_interaction(user, customer.pk, {"channel": "phone", "direction": "in", "subject": f"call {i}"})
        services.record_consent(
            user,
            customer.pk,
            {
                "channel": ["sms", "email", "phone", "wechat"][i % 4],
                "purpose": "marketing",
                "granted": i % 2 == 0,
                "how": "web form",
            },
        )
        services.add_contact_point(user, customer.pk, {"kind": "phone", "value": f"1360013{i:04d}"})
        services.change_stage(user, customer, ["opportunity", "contracted", "owner"][i % 3])


def _queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_360_page_costs_the_same_queries_whatever_the_history(client, users, customers, django_assert_max_num_queries):
    admin, dealer = users[Role.ADMIN], users[Role.DEALER_SALES]
    client.force_login(dealer)
    url = reverse("customers:detail", args=[customers["zhang"].pk])
    # session, user, roles, unit subtree, customer, timeline, ownerships, their vehicles (restricted), the
    # vehicles' ownerships with the owners' names (restricted), contacts, consents, stages, unread notifications,
    # whether the user may change this customer (the Edit button), the open activities, the latest scores,
    # the latest leads and deals, the latest tickets, the last satisfaction answer
    with django_assert_max_num_queries(20):
        client.get(url)
    before = _queries_of(client, url)
    _add_history(admin, customers["zhang"], 4)
    # a second owner: the previous one stays in the vehicle's history
    services.add_vehicle(admin, customers["li"].pk, {"vin": "LSVAU218XN2183294", "purchase_date": dt.date(2025, 1, 2)})
    assert _queries_of(client, url) == before


def test_360_page_shows_the_whole_profile(client, users, customers):
    admin = users[Role.ADMIN]
    zhang = customers["zhang"]
    services.add_interaction(admin, zhang.pk, {"channel": "phone", "direction": "in", "subject": "试驾预约"})
    services.set_opt_out(admin, zhang.contact_points.get(kind="email").pk, True)
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("customers:detail", args=[zhang.pk])).content.decode()
    for shown in ["张伟", "沪A12345", "LSVAU218XN2183294", "138 0013 8000", "试驾预约"]:
        assert shown in page
    assert "11010519491231002X" not in page and zhang.national_id_masked not in page  # tests/customers/test_identity


def test_previous_owner_outside_the_scope_stays_anonymous(client, users, customers):
    admin = users[Role.ADMIN]
    # 张伟's car goes to 王芳 (another region): 张伟's dealer sees that he owned a car until then,
    # neither her name nor the car as it is now
    services.add_vehicle(
        admin, customers["wang"].pk, {"vin": "LSVAU218XN2183294", "purchase_date": dt.date(2025, 1, 2)}
    )
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("customers:detail", args=[customers["zhang"].pk])).content.decode()
    assert "2022-05-01 – 2025-01-02" in page and "王芳" not in page and "沪A12345" not in page


def test_the_ui_speaks_english_on_request(client, users, customers):
    client.force_login(users[Role.ADMIN])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Customers" in client.get(reverse("customers:list")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "客户" in client.get(reverse("customers:list")).content.decode()


def test_timeline_shows_the_newest_entries_and_pages_back(client, users, customers):
    admin, zhang = users[Role.ADMIN], customers["zhang"]
    for i in range(25):
        services.add_interaction(
            admin,
            zhang.pk,
            {
                "channel": "phone",
                "direction": "in",
                "subject": f"call-{i:02d}",
                "occurred_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i),
            },
        )
    client.force_login(admin)
    url = reverse("customers:detail", args=[zhang.pk])
    first = client.get(url).content.decode()
    assert "call-24" in first and "call-05" in first and "call-04" not in first and "timeline_page=2" in first
    older = client.get(url, {"timeline_page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "call-04" in older and "call-05" not in older and "<html" not in older


def test_only_indexed_columns_offer_sorting(client, users, customers):
    """Sorting millions of customers by tier or city would sort the whole table: those are filters."""
    client.force_login(users[Role.AGENT])
    page = client.get(reverse("customers:list")).content.decode()
    assert "sort=name" in page and "sort=lifetime_spend" in page
    for unindexed in ("sort=tier", "sort=lifecycle_stage", "sort=home_dealer", "sort=city"):
        assert unindexed not in page, unindexed


def test_the_search_box_keeps_phone_and_id_numbers_out_of_urls(client, users, customers):
    client.force_login(users[Role.AGENT])
    page = client.get(reverse("home")).content.decode()
    assert 'class="global-search" action="/customers/search/" method="post"' in page
    response = client.post(reverse("customers:search"), {"q": "11010519491231002X"})
    assert response.status_code == 302 and response.url == reverse("customers:detail", args=[customers["zhang"].pk])
    assert "11010519491231002X" not in response.url


def test_a_customer_link_in_the_list_opens_the_360_page_not_a_fragment(client, users, customers):
    """Sorting and paging swap the list in place (hx-boost); the rows' links must not."""
    client.force_login(users[Role.ADMIN])
    page = client.get(reverse("customers:list")).content.decode()
    assert 'hx-boost="false"' in page.split("<tbody", 1)[1].split(">", 1)[0]


def test_the_search_box_counts_honestly_pages_and_says_what_it_searched(client, users, customers, monkeypatch):
    """"20 found" was printed when 1,976 matched, and nothing said how the query was read (issue 7)."""
    from guanxi.customers import services

    monkeypatch.setattr(services, "SEARCH_COUNTED_UP_TO", 25)  # 100 in production: the same code, fewer rows
    for i in range(26):
        services.create_customer(users["admin"], {"name": f"赵客户{i:02d}",
                                                  "home_dealer_id": customers["zhang"].home_dealer_id})
    client.force_login(users["agent"])
    page = client.post(reverse("customers:search"), {"q": "赵"}, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert [customer.name for customer, _ in page.context["rows"]] == [f"赵客户{i:02d}" for i in range(20)]
    assert "More than 25 customers found" in text and "Searched as the beginning of a name, or a given" in text
    assert 'name="page" value="2"' in text and "赵" not in text.split('action="/customers/search/"')[1].split(">")[0]
    second = client.post(reverse("customers:search"), {"q": "赵", "page": "2"})
    assert [customer.name for customer, _ in second.context["rows"]] == [f"赵客户{i:02d}" for i in range(20, 25)]
    beyond = client.post(reverse("customers:search"), {"q": "赵", "page": "99"})
    assert beyond.context["page"] == 2  # the last page, not an error
    # the last four digits of a phone number find its owner, within what the user may see
    client.force_login(users["dealer_sales"])
    found = client.post(reverse("customers:search"), {"q": "8000"})
    assert found.status_code == 302 and found.url == reverse("customers:detail", args=[customers["zhang"].pk])
    assert client.post(reverse("customers:search"), {"q": "7000"}, HTTP_ACCEPT_LANGUAGE="en").context["rows"] == []


def test_each_hit_shows_what_it_was_found_by_masked_where_personal(client, users, customers):
    from guanxi.customers import services

    dealer = customers["zhang"].home_dealer_id
    other = services.create_customer(users["admin"], {"name": "钱多多", "home_dealer_id": dealer},
                                     [{"kind": "phone", "value": "13912348000"}])
    client.force_login(users["agent"])
    rows = dict(client.post(reverse("customers:search"), {"q": "8000"}).context["rows"])
    assert rows == {customers["zhang"]: "138****8000", other: "139****8000"}
    page = client.post(reverse("customers:search"), {"q": "8000"}).content.decode()
    assert "13800138000" not in page and "138****8000" in page
    services.add_vehicle(users["admin"], other.pk, {"vin": "LSVAU218XN2183294", "model": "帕萨特 Passat"})
    rows = dict(client.post(reverse("customers:search"), {"q": "183294"}).context["rows"])
    assert set(rows.values()) == {"LSVAU218XN2183294"}


def test_typeahead_suggests_customers_but_never_spends_an_id_number_search(client, users, customers):
    from guanxi.customers.models import GuardedLookup

    client.force_login(users["agent"])
    page = client.get(reverse("home")).content.decode()
    assert 'hx-post="/customers/search/suggest/"' in page
    text = client.post(reverse("customers:suggest"), {"q": "zhangw"}).content.decode()
    assert "张伟" in text and reverse("customers:detail", args=[customers["zhang"].pk]) in text
    assert "李娜" not in text
    assert "138****8000" in client.post(reverse("customers:suggest"), {"q": "8000"}).content.decode()
    text = client.post(reverse("customers:suggest"), {"q": "11010519491231002X"},
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "张伟" not in text and "Enter" in text and not GuardedLookup.objects.exists()
    assert client.get(reverse("customers:suggest"), {"q": "zhang"}).status_code == 405  # numbers stay out of URLs


@pytest.mark.parametrize("user_key, visible", VISIBLE.items())
def test_typeahead_suggests_only_customers_the_user_may_see(client, users, customers, user_key, visible):
    client.force_login(users[user_key])
    for key, typed in (("zhang", "zhangw"), ("wang", "wangf"), ("li", "lina")):
        shown = customers[key].name in client.post(reverse("customers:suggest"), {"q": typed}).content.decode()
        assert shown == (key in visible), (key, typed)


@pytest.mark.parametrize("typed", ["Li Chao", "lichao", "li chao", "LC", "lc", "李超", "超"])
def test_an_agent_finds_a_customer_by_pinyin_initials_or_given_name(client, users, customers, typed):
    """Only whole identifiers and name beginnings were found; agents type what they hear (issue 7)."""
    from guanxi.customers import services

    dealer = customers["zhang"].home_dealer_id
    li = services.create_customer(users["admin"], {"name": "李超", "home_dealer_id": dealer})
    services.create_customer(users["admin"], {"name": "刘畅", "home_dealer_id": dealer})  # also "lc"
    services.create_customer(users["admin"], {"name": "黎明", "home_dealer_id": dealer})  # "li…", not "lichao"
    client.force_login(users["agent"])
    page = client.post(reverse("customers:search"), {"q": typed})
    found = [page.url] if page.status_code == 302 else [reverse("customers:detail", args=[c.pk])
                                                        for c, _ in page.context["rows"]]
    assert reverse("customers:detail", args=[li.pk]) in found
    if typed.lower() in ("lc",):
        assert len(found) == 2  # 李超 and 刘畅
    elif typed != "超":
        assert len(found) == 1


def test_a_renamed_or_erased_customer_is_found_by_its_new_name_only(users, customers):
    from guanxi.customers import services

    admin, li = users["admin"], customers["li"]
    assert [c.pk for c in services.lookup(admin, "lina")] == [li.pk]
    services.update_customer(admin, li.pk, {"name": "李娜娜"})
    assert [c.pk for c in services.lookup(admin, "linana")] == [li.pk]
    services.erase_customer(admin, li.pk)
    assert list(services.lookup(admin, "linana")) == [] and list(services.lookup(admin, "娜娜")) == []
