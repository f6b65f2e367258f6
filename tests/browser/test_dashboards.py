"""Dashboards in a real headless Chromium: the static script draws each chart on a canvas (no inline
script: the Content-Security-Policy holds), a chart downloads as the PNG picture ECharts draws, and
the chart form's preview is drawn again each time htmx swaps it in.

Uses the system Chromium (never downloads a browser); skipped when none is installed.
"""

import datetime as dt
from pathlib import Path

from guanxi.analytics.models import Chart, Dashboard, Score, ScoreModel, ScoringRun
from guanxi.core.roles import Role
from tests.browser.conftest import ARTIFACTS, BROWSER_TESTS, new_page, sign_in

pytestmark = BROWSER_TESTS
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_dashboard_draws_its_charts_and_a_chart_downloads_as_png(browser, live_server, users, customers):
    page = new_page(browser, accept_downloads=True)
    dashboard = Dashboard.objects.create(owner=users[Role.ANALYST], name="客户概览")
    bars = Chart.objects.create(dashboard=dashboard, measure="customers", dimension="dealer", chart_type="bar")
    Chart.objects.create(dashboard=dashboard, measure="customers", dimension="tier", chart_type="pie", position=1)
    table = Chart.objects.create(dashboard=dashboard, measure="customers", dimension="region", chart_type="table",
                                 position=2)
    run = ScoringRun.objects.create(model=ScoreModel.CLV, version="test", as_of=dt.date(2026, 11, 1),
                                    state=ScoringRun.State.PUBLISHED)
    for value, customer in enumerate(customers.values(), start=1):
        Score.objects.create(run=run, customer=customer, value=1000 * value)
    sign_in(page, live_server, users[Role.ANALYST])
    page.goto(f"{live_server.url}/analytics/dashboards/{dashboard.pk}/")
    page.locator(f"#chart-{bars.pk} .dashboard-chart canvas").wait_for()
    assert page.locator(".dashboard-chart canvas").count() == 2  # the bars and the pie; the table is HTML
    assert page.locator(f"#chart-{table.pk} tbody tr").all_inner_texts() == ["R-EAST\t2", "R-SOUTH\t1"]

    with page.expect_download() as downloading:
        page.click(f"#chart-{bars.pk} [data-png]")
    download = downloading.value
    assert download.url.startswith("data:image/png;base64,") and download.suggested_filename.endswith(".png")
    assert Path(download.path()).read_bytes()[:8] == PNG_SIGNATURE
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-zh.png"), full_page=True)

    page.click(f"a[href='/analytics/dashboards/{dashboard.pk}/charts/add/']")
    page.locator("#chart-preview .dashboard-chart canvas").wait_for()
    page.focus("#id_measure")
    page.select_option("#id_measure", "average_clv")  # htmx swaps the form and its preview in
    page.wait_for_function("() => document.querySelector('#id_dimension option[value=\"month\"]') === null")
    assert page.evaluate("() => document.activeElement.id") == "id_measure"  # htmx kept the focus
    page.select_option("#id_chart_type", "pie")
    page.wait_for_selector("#chart-preview .dashboard-chart canvas")
    page.click("form.form-card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/analytics/dashboards/{dashboard.pk}/*")
    page.locator(".dashboard-chart canvas").nth(2).wait_for()
    assert dashboard.charts.order_by("position").last().measure == "average_clv"
    assert page.csp_refusals == []
