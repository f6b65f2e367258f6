"""The retention list: owners at risk, riskiest first, with their value; scoped like their customers."""

import datetime as dt

from django.urls import reverse

from guanxi.analytics.models import Score, ScoreModel, ScoringRun
from guanxi.core.roles import Role
from tests.isolation import ListPageIsolation


def _score(customers, risks=None, published=True):
    """A published churn run (and value runs) over the three fixture customers."""
    risks = risks or {"zhang": 0.81, "li": 0.35, "wang": 0.66}
    state = ScoringRun.State.PUBLISHED if published else ScoringRun.State.REFUSED
    day = dt.date(2026, 11, 1)
    churn = ScoringRun.objects.create(model=ScoreModel.CHURN, version="test", as_of=day, state=state)
    value = ScoringRun.objects.create(model=ScoreModel.CLV, version="test", as_of=day, state=state)
    level = ScoringRun.objects.create(model=ScoreModel.PYRAMID, version="test", as_of=day, state=state)
    for key, risk in risks.items():
        customer = customers[key]
        band = "high" if risk >= 0.5 else "medium" if risk >= 0.2 else "low"
        Score.objects.create(run=churn, customer=customer, value=risk, label=band,
                             reasons=[["why", ["months_since_service > 13.5"]]])
        Score.objects.create(run=value, customer=customer, value=1000 * risk, label="")
        Score.objects.create(run=level, customer=customer, value=1.0, label="vip" if key == "zhang" else "c")
    return churn


class TestRetentionListIsolation(ListPageIsolation):
    model, list_url = Score, "analytics:retention"

    @staticmethod
    def prepare(users, customers):
        # only churn scores at high or medium risk: exactly the rows the list shows
        _score(customers)
        Score.objects.exclude(run__model=ScoreModel.CHURN).delete()


def test_the_riskiest_owner_comes_first_with_reasons_value_and_lifetime_value(client, users, customers):
    _score(customers)
    client.force_login(users[Role.AGENT])
    response = client.get(reverse("analytics:retention"), HTTP_ACCEPT_LANGUAGE="en")
    rows = list(response.context["table"].paginated_rows)
    assert [row.record.customer.name for row in rows] == ["张伟", "王芳", "李娜"]
    page = response.content.decode()
    assert "High · 81%" in page and "Medium · 35%" in page
    assert "months since the last service &gt; 13.5" in page
    assert "VIP" in page and "CNY 810.00" in page


def test_low_risk_owners_and_refused_runs_stay_off_the_list(client, users, customers):
    _score(customers, {"zhang": 0.05, "li": 0.1, "wang": 0.15})
    client.force_login(users[Role.ADMIN])
    assert not list(client.get(reverse("analytics:retention")).context["table"].paginated_rows)
    Score.objects.all().delete()
    ScoringRun.objects.all().delete()
    _score(customers, published=False)
    assert not list(client.get(reverse("analytics:retention")).context["table"].paginated_rows)


def test_the_list_filters_by_risk_and_value_level(client, users, customers):
    _score(customers)
    client.force_login(users[Role.ADMIN])
    high = client.get(reverse("analytics:retention"), {"label": "high"}).context["table"].paginated_rows
    assert {row.record.customer.name for row in high} == {"张伟", "王芳"}
    vip = client.get(reverse("analytics:retention"), {"value_level": "vip"}).context["table"].paginated_rows
    assert [row.record.customer.name for row in vip] == ["张伟"]


def test_those_who_plan_campaigns_export_the_list_and_dealer_sales_do_not(client, users, customers):
    _score(customers)
    client.force_login(users[Role.HQ_MARKETING])
    assert "format=csv" in client.get(reverse("analytics:retention")).content.decode()
    exported = client.get(reverse("export_list", args=["retention"]), {"format": "csv", "label": "high"})
    content = b"".join(exported.streaming_content if exported.streaming else [exported.content]).decode("utf-8-sig")
    assert exported.status_code == 200
    assert "张伟" in content and "0.81" in content and "李娜" not in content
    client.force_login(users[Role.DEALER_SALES])
    assert "format=csv" not in client.get(reverse("analytics:retention")).content.decode()
    assert client.get(reverse("export_list", args=["retention"]), {"format": "csv"}).status_code == 403
