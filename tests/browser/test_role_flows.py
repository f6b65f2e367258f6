"""Three roles at work in a real headless Chromium on a live server (issue 7): a dealer files a
new customer past the possible-duplicate warning and registers a car, a call-center agent finds
callers by the last digits of a phone and by pinyin, a service advisor reads a dealer's customer
but cannot change it.

test_dealer_flow.py holds the dealer's phone search, logged call and My day; not repeated here.
"""

import re
from urllib.parse import urlsplit

from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.models import Customer
from tests.browser.conftest import BROWSER_TESTS, sign_in
from tests.customers.test_views import valid_vin

pytestmark = BROWSER_TESTS


def test_a_dealer_files_a_new_customer_past_the_duplicate_warning_and_registers_a_car(
        page, live_server, users, customers, org):
    zhang = customers["zhang"]  # 138 0013 8000, a customer of the dealer's own
    sign_in(page, live_server, users[Role.DEALER_SALES])
    page.goto(f"{live_server.url}/customers/")
    page.get_by_role("link", name="新建", exact=True).click()
    page.wait_for_url(f"{live_server.url}/customers/new/")

    page.fill("#id_name", "赵敏")
    page.fill("#id_city", "上海")
    page.locator("#id_phone").press_sequentially("138-0013-8000")  # the family's shared phone
    page.keyboard.press("Tab")  # on to the e-mail: htmx asks /customers/duplicates/
    warning = page.locator("#duplicates [role=status]")
    warning.wait_for()
    assert "这可能是已有的客户" in warning.inner_text() and "手机号码相同" in warning.inner_text()
    assert warning.locator(f"a[href='/customers/{zhang.pk}/']").inner_text() == "张伟"

    page.click("form.form-card button[type=submit]")  # someone else all the same
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    new = Customer.objects.get(name="赵敏")
    assert page.url == f"{live_server.url}/customers/{new.pk}/" and new.pk != zhang.pk
    assert page.locator("h1").first.inner_text().startswith("赵敏")
    assert page.locator(".contact-value", has_text="138-0013-8000").count() == 1
    assert new.home_dealer == org["D-SH1"] and Customer.objects.get(pk=zhang.pk).name == "张伟"

    page.get_by_role("link", name="登记车辆").click()
    page.wait_for_url(f"{live_server.url}/customers/{new.pk}/vehicles/new/")
    vin = valid_vin(4711)
    typo = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]  # a wrong check digit
    page.fill("#id_vin", typo)
    page.fill("#id_model", "ID.4 CROZZ")
    page.fill("#id_model_year", "2024")
    page.fill("#id_plate", "沪AD12345")
    page.click("form.form-card button[type=submit]")
    error = page.locator(".form-field.has-error", has=page.locator("#id_vin")).locator(".field-error")
    assert error.is_visible() and vin[8] in error.inner_text()  # beside the VIN: the check digit it expected
    assert page.input_value("#id_vin") == typo and page.input_value("#id_model") == "ID.4 CROZZ"
    assert not new.ownerships.exists()

    page.fill("#id_vin", vin)
    page.click("form.form-card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/{new.pk}/")  # back on the 360 page, as after a contact point
    car = page.locator("article.vehicle", has_text=vin)
    assert car.locator(".plate").inner_text() == "沪AD12345" and "ID.4 CROZZ" in car.inner_text()
    assert page.csp_refusals == []


def test_a_dealer_changes_a_tier_in_the_customer_list_without_leaving_it(page, live_server, users, customers):
    zhang = customers["zhang"]
    sign_in(page, live_server, users[Role.DEALER_SALES])
    page.goto(f"{live_server.url}/customers/")
    row = page.locator("#object-list tbody tr", has_text="张伟")
    row.get_by_role("button", name="张伟").click()  # the tier badge: "change the tier of 张伟"
    row.locator("select[name=tier]").select_option("gold")
    row.get_by_role("button", name="保存").click()
    row.locator("button.inline-edit .badge-tier-gold").wait_for()
    assert page.url == f"{live_server.url}/customers/"  # the list stayed, as it was
    zhang.refresh_from_db()
    assert zhang.tier == "gold"
    assert page.csp_refusals == []


def search(page, query: str) -> str:
    """Types the query in the search box at the top and presses Enter; the path it lands on."""
    page.fill(".global-search input[name=q]", query)
    with page.expect_navigation():
        page.press(".global-search input[name=q]", "Enter")
    return urlsplit(page.url).path


def test_a_call_center_agent_finds_callers_by_the_last_digits_of_a_phone_and_by_pinyin(
        page, live_server, users, customers, org):
    admin = users[Role.ADMIN]
    wang_wei = services.create_customer(admin, {"name": "王伟", "home_dealer_id": org["D-GZ1"].pk},
                                        [{"kind": "phone", "value": "135 7246 0318"}])
    wang_wei_2 = services.create_customer(admin, {"name": "王薇", "home_dealer_id": org["D-SH2"].pk},
                                          [{"kind": "phone", "value": "186 2231 0318"}])
    sign_in(page, live_server, users[Role.AGENT])

    li = customers["li"]
    assert search(page, "9000") == f"/customers/{li.pk}/"  # the last four digits of 李娜's 13900139000
    assert page.locator("h1").first.inner_text().startswith("李娜")
    page.goto(f"{live_server.url}/")
    assert search(page, "Li Na") == f"/customers/{li.pk}/"  # pinyin, spaced as on a business card

    assert search(page, "0318") == "/customers/search/"  # two callers end in 0318: a list of both
    assert page.locator(f"a[href='/customers/{wang_wei.pk}/']", has_text="王伟").count() == 1
    assert page.locator(f"a[href='/customers/{wang_wei_2.pk}/']", has_text="王薇").count() == 1

    assert search(page, "wangwei") == "/customers/search/"  # 王伟 and 王薇 are both wangwei
    assert page.locator(f"a[href='/customers/{wang_wei_2.pk}/']", has_text="王薇").count() == 1
    assert page.locator(f"a[href='/customers/{customers['wang'].pk}/']").count() == 0  # 王芳 is wangfang
    page.locator(f"a[href='/customers/{wang_wei.pk}/']", has_text="王伟").click()
    page.wait_for_url(f"{live_server.url}/customers/{wang_wei.pk}/")
    assert page.locator(".contact-value", has_text="135 7246 0318").count() == 1
    assert page.csp_refusals == []


POST_FORM = """async ([url, fields]) => {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", document.querySelector("input[name=csrfmiddlewaretoken]").value);
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    const response = await fetch(url, {method: "POST", body});
    return {status: response.status, url: response.url, text: await response.text()};
}"""


def test_a_service_advisor_reads_a_dealers_customer_but_cannot_change_it(page, live_server, users, customers):
    li = customers["li"]  # 李娜, D-SH2's customer; the advisor's station S-SH services her car
    before = Customer.objects.filter(pk=li.pk).values().get()
    sign_in(page, live_server, users[Role.SERVICE_ADVISOR])
    page.goto(f"{live_server.url}/customers/{li.pk}/")
    assert page.locator("h1").first.inner_text().startswith("李娜")
    assert page.locator("article.vehicle", has_text="LSVCC6A48PN000007").count() == 1
    assert page.get_by_role("link", name="编辑", exact=True).count() == 0
    assert page.locator(f"a[href='/customers/{li.pk}/edit/']").count() == 0

    edit = {"name": "改名", "kind": "person", "gender": "u", "segment": "individual", "tier": "gold",
            "source": "dealer", "city": "北京"}
    refused = page.evaluate(POST_FORM, [f"/customers/{li.pk}/edit/", edit])
    assert refused["status"] in (403, 404) and "CSRF verification failed" not in refused["text"]
    # the same token is good: a search goes through
    found = page.evaluate(POST_FORM, ["/customers/search/", {"q": "Li Na"}])
    assert found["status"] == 200 and found["url"] == f"{live_server.url}/customers/{li.pk}/"
    assert Customer.objects.filter(pk=li.pk).values().get() == before
    assert page.csp_refusals == []
