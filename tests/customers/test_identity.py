"""What each role sees of a customer's birth date and ID number (customers.identity): together
they must not narrow the number below 10,000 candidates for a role that may not see it."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from stdnum.cn import ric

from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.models import Customer

NUMBER = "11010519491231002X"  # Beijing Chaoyang (110105), born 1949-12-31, a woman (sequence 002)
SHOWN_ID_END = re.compile(r"(?<![A-Za-z0-9])2X(?![A-Za-z0-9])")  # not inside a CSRF token


def candidates(shown: dict, region: str, female: bool) -> int:
    """ID numbers consistent with what an API answer shows, for someone who also knows the
    customer's county and gender: every birth date it allows × every sequence × the check."""
    if shown["birth_date"]:
        days = [dt.date.fromisoformat(shown["birth_date"])]
    else:
        first = dt.date(shown["birth_year"], 1, 1)
        days = [first + dt.timedelta(n) for n in range((dt.date(shown["birth_year"] + 1, 1, 1) - first).days)]
    tail = shown["national_id_masked"].lstrip("*")
    count = 0
    for day in days:
        for sequence in range(female ^ 1, 1000, 2):  # odd for men, even for women
            body = f"{region}{day:%Y%m%d}{sequence:03d}"
            count += (body + ric.calc_check_digit(body)).endswith(tail)
    return count


@pytest.fixture
def zhao(users, org):
    admin = users[Role.ADMIN]
    zhao = services.create_customer(admin, {"name": "赵敏", "national_id": NUMBER, "gender": "f",
                                            "birth_date": dt.date(1949, 12, 31), "home_dealer_id": org["D-SH1"].pk})
    car = services.add_vehicle(admin, zhao.pk, {"vin": "LSVAU218XN2183294", "model": "帕萨特 Passat",
                                                "model_year": 2022})
    services.update_vehicle(admin, car.pk, {"service_unit_id": org["S-SH"].pk})  # the service advisor sees her
    return zhao


@pytest.mark.parametrize("role", [Role.DEALER_SALES, Role.DEALER_MANAGER, Role.SERVICE_ADVISOR, Role.ANALYST,
                                  Role.HQ_MARKETING])
def test_roles_that_do_not_confirm_callers_cannot_narrow_the_id_number(client, users, zhao, role):
    client.force_login(users[role])
    shown = client.get(f"/api/customers/{zhao.pk}").json()
    assert (shown["birth_date"], shown["birth_year"], shown["national_id_masked"]) == (None, 1949, "")
    assert shown["national_id_on_file"] is True
    assert candidates(shown, "110105", female=True) >= 10_000


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
def test_the_call_center_sees_the_full_birth_date_and_the_last_characters(client, users, zhao, role):
    client.force_login(users[role])
    shown = client.get(f"/api/customers/{zhao.pk}").json()
    assert (shown["birth_date"], shown["national_id_masked"]) == ("1949-12-31", "****************2X")
    assert candidates(shown, "110105", female=True) < 100  # why the others do not see both


def test_the_360_page_shows_a_dealer_only_the_birth_year_and_that_an_id_is_on_file(client, users, zhao):
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("customers:detail", args=[zhao.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1949" in page and "on file" in page
    assert "31 Dec 1949" not in page and "12-31" not in page and not SHOWN_ID_END.search(page)
    client.force_login(users[Role.AGENT])
    page = client.get(reverse("customers:detail", args=[zhao.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "31 Dec 1949" in page and "ends in 2X" in page


def test_a_dealer_editing_the_customer_neither_sees_nor_loses_the_birth_date(client, users, zhao):
    client.force_login(users[Role.DEALER_SALES])
    url = reverse("customers:edit", args=[zhao.pk])
    form = client.get(url).content.decode()
    assert 'name="birth_date"' not in form and "1949-12-31" not in form
    data = {"name": "赵敏敏", "name_latin": "", "kind": "person", "gender": "f", "segment": "individual",
            "tier": "standard", "source": "dealer", "home_dealer": zhao.home_dealer_id, "province": "", "city": ""}
    assert client.post(url, data).status_code == 302
    zhao = Customer.objects.get(pk=zhao.pk)
    assert (zhao.name, zhao.birth_date) == ("赵敏敏", dt.date(1949, 12, 31))


def test_a_dealer_may_fill_in_a_missing_birth_date(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    form = client.get(reverse("customers:edit", args=[customers["zhang"].pk])).content.decode()
    assert 'name="birth_date"' in form
