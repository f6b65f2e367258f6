"""Every service page and endpoint answers what the scoping layer allows, role by role: a station
sees the tickets it is responsible for or took in, never another unit's, even on a customer both
know; head office and the call center see them all."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from guanxi.core.models import OrgUnit, User
from guanxi.core.roles import Role
from guanxi.core.scoping import may
from guanxi.service import api
from guanxi.service.models import SlaTarget, SupportHours, Ticket, TicketEntry, TicketStatus
from tests.conftest import shared_people
from tests.isolation import (
    USER_KEYS,
    AddPageIsolation,
    ApiIsolation,
    ChildAddPageIsolation,
    ListPageIsolation,
    PageIsolation,
    expected,
)
from tests.knowledge.articles import make_articles

pytestmark = pytest.mark.django_db
people, org, users, customers = shared_people()


def tickets(customers) -> list[Ticket]:
    """One ticket per kind of place: the station's repair taken by the call center, a dealer's
    complaint it took itself, another region's dealer's, and a resolved one of the call center's.
    Made as rows, so the test does not depend on the services."""
    if Ticket.objects.exists():
        return list(Ticket.objects.order_by("pk"))
    unit = {code: OrgUnit.objects.get(code=code) for code in ("S-SH", "D-SH1", "D-GZ1", "CC")}
    made = [
        Ticket(customer=customers["li"], kind="repair", subject="Engine light", org_unit=unit["S-SH"],
               opened_in=unit["CC"]),
        Ticket(customer=customers["zhang"], kind="complaint", subject="Waiting time", org_unit=unit["D-SH1"],
               opened_in=unit["D-SH1"], status=TicketStatus.IN_PROGRESS),
        Ticket(customer=customers["wang"], kind="consultation", subject="Brochure", org_unit=unit["D-GZ1"],
               opened_in=unit["D-GZ1"], status=TicketStatus.WAITING),
        Ticket(customer=customers["zhang"], kind="suggestion", subject="Longer hours", org_unit=unit["CC"],
               opened_in=unit["CC"], status=TicketStatus.RESOLVED),
    ]
    return Ticket.objects.bulk_create(made)


class TestTicketPages(PageIsolation):
    model = Ticket
    detail_url, edit_url = "service:ticket", "service:ticket_edit"
    objects = staticmethod(tickets)


class TestTicketList(ListPageIsolation):
    model, list_url = Ticket, "service:tickets"

    @staticmethod
    def prepare(users, customers):
        tickets(customers)


class TestCustomerTicketAdd(ChildAddPageIsolation):
    child_add_pages = [("service:customer_ticket_add", "view", ("service.ticket", "add"))]


class TestTicketApiIsolation(ApiIsolation):
    api = api.TicketApi()
    create_body = {"kind": "consultation", "subject": "Opening hours at Easter"}
    create_needs = ("view", ("service.ticket", "add"))

    @staticmethod
    def prepare(users, customers):
        tickets(customers)


class TestSlaTargetPages(AddPageIsolation):
    model = SlaTarget
    add_url, edit_url = "service:target_add", "service:target_edit"

    @staticmethod
    def objects(customers):
        return list(SlaTarget.objects.order_by("pk")[:3])


class TestSlaTargetList(ListPageIsolation):
    model, list_url = SlaTarget, "service:targets"


def hours(customers) -> list[SupportHours]:
    if not SupportHours.objects.exists():
        for code in ("S-SH", "D-SH1", "D-GZ1"):
            SupportHours.objects.create(org_unit=OrgUnit.objects.get(code=code))
    return list(SupportHours.objects.order_by("pk"))


class TestSupportHoursPages(AddPageIsolation):
    model = SupportHours
    add_url, edit_url = "service:hours_add", "service:hours_edit"
    objects = staticmethod(hours)


class TestSupportHoursList(ListPageIsolation):
    model, list_url = SupportHours, "service:hours"

    @staticmethod
    def prepare(users, customers):
        hours(customers)


STEPS = [("take", "change", {}), ("reply", "change", {"body": "On it"}), ("note", "change", {"body": "n"}),
         ("resume", "change", {}), ("resolve", "change", {"resolution": "done"}), ("close", "change", {}),
         ("reopen", "change", {"reason": "again"})]


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_ticket_steps_entries_and_the_report_answer_what_the_scope_allows_and_refusals_change_nothing(
        client, users, customers, user_key, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rows = tickets(customers)
    article = make_articles()["brakes"]  # a published one
    notes = {ticket.pk: TicketEntry.objects.create(ticket=ticket, kind="note", at=ticket.created_at,
                                                   attachment=SimpleUploadedFile("photo.jpg", b"jpeg"))
             for ticket in rows}
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)

    def snapshot():
        return list(Ticket.objects.order_by("pk").values()), list(TicketEntry.objects.order_by("pk").values())

    before = snapshot()
    cc = OrgUnit.objects.get(code="CC")
    steps = [*STEPS, ("assign", "assign", {"org_unit_id": cc.pk, "org_unit": cc.pk})]
    for ticket in rows:
        for action, permission, body in steps:
            wanted = expected(fresh, Ticket, ticket, permission)
            for url, kwargs in ((f"/api/tickets/{ticket.pk}/{action}", {"content_type": "application/json"}),
                                (reverse("service:ticket_step", args=[ticket.pk, action]), {})):
                with transaction.atomic():  # each call on the ticket as it was: a hand-over may take it out of sight
                    answer = client.post(url, body, **kwargs)
                    if answer.status_code >= 400:
                        assert snapshot() == before, (action, ticket, answer.status_code)  # refused: nothing written
                    transaction.set_rollback(True)
                allowed = ({200, 302, 422} if wanted == 200 else {wanted})
                assert answer.status_code in allowed, (action, ticket, answer.content[:200])
        wanted = expected(fresh, Ticket, ticket, "change")
        for url, body, kwargs in ((f"/api/tickets/{ticket.pk}/articles", {"article_id": article.pk},
                                   {"content_type": "application/json"}),
                                  (reverse("service:ticket_step", args=[ticket.pk, "link_article"]),
                                   {"article": article.pk}, {})):
            with transaction.atomic():
                answer = client.post(url, body, **kwargs)
                if answer.status_code >= 400:
                    assert snapshot() == before and not ticket.articles.exists(), (url, answer.status_code)
                transaction.set_rollback(True)
            assert answer.status_code in ({200, 302} if wanted == 200 else {wanted}), (url, answer.content[:200])
        assert client.get(f"/api/tickets/{ticket.pk}/entries").status_code == expected(fresh, Ticket, ticket, "view")
        attachment = client.get(reverse("service:ticket_attachment", args=[ticket.pk, notes[ticket.pk].pk]))
        assert attachment.status_code == expected(fresh, Ticket, ticket, "view")
    report = client.get("/api/service-levels?by=unit")
    assert report.status_code == client.get(reverse("service:attainment")).status_code == \
        client.get(reverse("service:reports")).status_code == client.get("/api/service-reports").status_code == \
        (200 if may(fresh, Ticket.permission_key, "view") else 403)
    if report.status_code == 200:
        seen = Ticket.objects.restrict(fresh)
        assert report.json()["total"]["opened"] == seen.count()


def test_a_station_sees_its_own_tickets_and_head_office_all(client, users, customers):
    rows = tickets(customers)
    seen = {}
    for key in (Role.SERVICE_ADVISOR, Role.DEALER_MANAGER, "other_dealer", Role.AGENT, Role.ADMIN):
        client.force_login(users[key])
        seen[key] = {row["subject"] for row in client.get("/api/tickets").json()["results"]}
    assert seen[Role.SERVICE_ADVISOR] == {"Engine light"}
    assert seen[Role.DEALER_MANAGER] == {"Waiting time"}
    assert seen["other_dealer"] == {"Brochure"}
    assert seen[Role.AGENT] == seen[Role.ADMIN] == {ticket.subject for ticket in rows}
