"""The interaction and consent lists (and their exports): what each user sees, filters."""

import csv
import io

import pytest
from django.urls import reverse

from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.models import Consent, Interaction
from tests.conftest import shared_people
from tests.isolation import ListPageIsolation

people, org, users, customers = shared_people()


def _timeline(users, customers):
    for customer in customers.values():
        services.add_interaction(users[Role.ADMIN], customer.pk, {"channel": "phone", "direction": "out",
                                                                 "subject": f"回访 {customer.name}"})
    services.add_interaction(users[Role.SERVICE_ADVISOR], customers["li"].pk,
                             {"channel": "visit", "direction": "in", "subject": "保养"})


def _consents(users, customers):
    for customer in customers.values():
        services.record_consent(users[Role.ADMIN], customer.pk,
                                {"channel": "sms", "purpose": "marketing", "granted": True, "how": "web"})


class TestInteractionListIsolation(ListPageIsolation):
    model, list_url = Interaction, "customers:interactions"
    prepare = staticmethod(_timeline)


class TestConsentListIsolation(ListPageIsolation):
    model, list_url = Consent, "customers:consents"
    prepare = staticmethod(_consents)


def test_a_service_advisor_sees_only_its_own_interactions_not_the_sales_talk(client, users, customers):
    _timeline(users, customers)
    client.force_login(users[Role.SERVICE_ADVISOR])
    page = client.get(reverse("customers:interactions")).content.decode()
    assert "保养" in page and "回访 李娜" not in page


def test_the_interaction_list_filters_by_channel_and_exports_what_it_shows(client, users, customers):
    _timeline(users, customers)
    client.force_login(users[Role.DEALER_MANAGER])
    page = client.get(reverse("customers:interactions"), {"channel": "phone"}).content.decode()
    assert "回访 张伟" in page and "回访 王芳" not in page
    export = client.get(reverse("export_list", args=["interactions"]), {"format": "csv", "channel": "phone"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))[1:]
    assert [row[4] for row in rows] == ["回访 张伟"]


def test_consents_filter_by_what_was_granted(client, users, customers):
    _consents(users, customers)
    services.record_consent(users[Role.ADMIN], customers["li"].pk,
                            {"channel": "sms", "purpose": "marketing", "granted": False, "how": "电话"})
    client.force_login(users[Role.ADMIN])
    listed = client.get(reverse("customers:consents"), {"granted": "false"}).context["table"].paginated_rows
    assert [row.record.customer.name for row in listed] == ["李娜"]


@pytest.mark.parametrize("language, shown", [("en", "1 May 2022"), ("zh-hans", "2022-05-01")])
def test_dates_read_one_way_per_language(client, users, customers, language, shown):
    """`09/03/2019` beside `Sept. 2, 2022` once; now one format per language (guanxi/formats)."""
    client.force_login(users[Role.ADMIN])
    page = client.get(reverse("customers:vehicles"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert shown in page and "May 1, 2022" not in page and "05/01/2022" not in page
