"""A dealer salesperson's first minute, in a real headless Chromium: log in, filter the customer
list (htmx), search a caller's phone number, land on the 360 page, switch the UI to English.

Uses the system Chromium (never downloads a browser); skipped when none is installed.
"""

from guanxi.core.roles import Role
from tests.browser.conftest import ARTIFACTS, BROWSER_TESTS, sign_in

pytestmark = BROWSER_TESTS


def test_dealer_finds_a_caller_by_phone_and_reads_the_360_page(page, live_server, users, customers):
    sign_in(page, live_server, users[Role.DEALER_SALES])
    assert "script-src 'self'" in page.evaluate("() => fetch('/').then(r => r.headers.get('content-security-policy'))")
    widest = page.locator(".bar-list .bar").first  # the home page's stage bars, sized by core/guanxi.js
    assert widest.evaluate("bar => bar.getBoundingClientRect().width") > 0

    page.goto(f"{live_server.url}/customers/")
    assert page.locator("#object-list tbody tr").count() == 1
    page.fill(".filters input[name=q]", "李")  # htmx swaps the results in place
    page.wait_for_url("**/customers/?q=*")
    page.locator("#object-list", has_text="没有符合条件的客户").wait_for()

    page.locator("h1").first.click()
    page.keyboard.press("/")  # "/" puts the cursor in the search box
    assert page.evaluate("() => document.activeElement.name") == "q"
    page.keyboard.type("138 0013 8000")
    assert page.input_value(".global-search input[name=q]") == "138 0013 8000"
    page.press(".global-search input[name=q]", "Enter")
    page.wait_for_url(f"{live_server.url}/customers/{customers['zhang'].pk}/")

    assert page.locator("h1").first.inner_text().startswith("张伟")
    assert page.locator(".plate", has_text="沪A12345").count() == 1
    assert page.locator(".contact-value", has_text="138 0013 8000").count() == 1
    assert page.get_by_role("heading", name="联系方式", exact=True).count() == 1  # the card (the menu has it too)

    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Contact points", exact=True).count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dealer-360-en.png"), full_page=True)
    assert page.csp_refusals == []


def test_a_call_logged_with_a_follow_up_is_done_from_my_day_in_one_click(page, live_server, users, customers):
    sign_in(page, live_server, users[Role.DEALER_SALES])
    page.goto(f"{live_server.url}/customers/{customers['zhang'].pk}/")
    page.click("a[href$='/interactions/new/']")
    page.select_option("#id_channel", "phone")
    page.select_option("#id_direction", "out")
    page.fill("#id_subject", "邀约试驾")
    page.fill("#id_follow_up", "周五确认试驾时间")
    page.click("form.form-card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/{customers['zhang'].pk}/*")
    assert page.locator(".activity-summary", has_text="周五确认试驾时间").count() == 1  # the 360 page's open items

    page.click("nav a[href='/customers/my-day/']")
    item = page.locator(".activity", has_text="周五确认试驾时间")
    item.locator("button[type=submit]").click()  # htmx swaps the item in place
    page.locator(".activity-closed", has_text="周五确认试驾时间").wait_for()
    assert page.url == f"{live_server.url}/customers/my-day/"
    page.reload()
    assert page.locator(".activity", has_text="周五确认试驾时间").count() == 0
    assert page.csp_refusals == []


def test_a_fleet_customers_timeline_is_in_view_without_scrolling_past_its_cars(page, live_server, users, customers):
    """With 26 vehicles the timeline started 6,500 px down the 360 page (issue 7)."""
    from guanxi.customers import services
    from tests.customers.test_views import valid_vin

    for serial in range(25):
        services.add_vehicle(users[Role.ADMIN], customers["zhang"].pk,
                             {"vin": valid_vin(serial), "model": "途安L Touran L", "model_year": 2021})
    sign_in(page, live_server, users[Role.DEALER_SALES])
    page.goto(f"{live_server.url}/customers/{customers['zhang'].pk}/")
    assert page.locator("#timeline").bounding_box()["y"] < 1600
    page.click(".more-vehicles summary")  # the other 23 unfold
    assert page.locator("article.vehicle:visible").count() == 26


def test_the_staffing_chart_draws_under_the_content_security_policy(page, live_server, users):
    sign_in(page, live_server, users[Role.SUPERVISOR])
    page.goto(f"{live_server.url}/contact-center/staffing/")
    page.locator("#staffing-chart svg path").first.wait_for(state="attached")  # drawn by ECharts (SVG)
    assert page.locator("#staffing-chart svg path").count() > 10
    assert page.csp_refusals == []


def test_on_a_390_px_phone_nothing_is_pushed_off_the_screen(page, live_server, users, customers):
    """The top bar once made the page 527 px wide with log-out off screen (issue 7)."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, users[Role.DEALER_SALES])
    for path in ("/", "/customers/", f"/customers/{customers['zhang'].pk}/", "/customers/my-day/"):
        page.goto(live_server.url + path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
        log_out = page.locator("form[action='/logout/'] button").bounding_box()
        assert log_out["x"] + log_out["width"] <= 390, path
    assert page.csp_refusals == []
