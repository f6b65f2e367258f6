"""Follow-up after service: a closed work order or ticket gets one satisfaction survey and a call on
an agent's day; the answer is recorded once (by the agent or through the customer's link); a low
score opens a recovery ticket for the station; the last answer shows on the customer's 360 page."""

import pytest
from django.db import transaction
from django.urls import reverse

from guanxi.core.models import User
from guanxi.core.outbox import dispatch
from guanxi.customers.models import Activity, ActivityState
from guanxi.service import surveys, tickets, workshop
from guanxi.service.models import Priority, Survey, SurveyState, Ticket, TicketKind, TicketStatus
from tests.isolation import USER_KEYS, ListPageIsolation, PageIsolation, expected

pytestmark = pytest.mark.django_db


def _closed_work_order(users, customers, from_ticket=False):
    advisor = users["service_advisor"]
    car = customers["li"].ownerships.get().vehicle
    ticket = tickets.open_ticket(users["agent"], {"customer_id": customers["li"].pk, "vehicle_id": car.pk,
                                                  "kind": "repair", "subject": "Wipers smear"}) if from_ticket else None
    order = workshop.open_work_order(advisor, {"vin": car.vin, "mileage_km": 100, "complaint": "Wipers smear",
                                               "ticket_id": ticket.pk if ticket else None})
    workshop.add_job(advisor, order.pk, {"labour_code": "92-01", "description": "New blades", "hours": "0.2"})
    workshop.complete(advisor, order.pk, "Blades worn")
    return workshop.close(advisor, order.pk), ticket


def test_a_closed_work_order_gets_one_survey_and_a_follow_up_call_not_two_with_its_ticket(users, customers):
    order, ticket = _closed_work_order(users, customers, from_ticket=True)
    tickets.close(users["service_advisor"], ticket.pk)
    dispatch()
    survey = Survey.objects.get()
    assert (survey.work_order, survey.station.code, survey.state) == (order, "S-SH", SurveyState.SCHEDULED)
    call = Activity.objects.get(link_id=survey.pk)
    assert call.assignee == users["agent"] and call.kind == "call" and call.customer == customers["li"]


def test_a_low_score_opens_a_recovery_ticket_and_the_answer_is_recorded_once(client, users, customers):
    _closed_work_order(users, customers)
    dispatch()
    survey = Survey.objects.get()
    client.force_login(users["agent"])
    answer = client.post(reverse("service:survey_step", args=[survey.pk, "answer"]),
                         {"csat": "2", "nps": "3", "comment": "Had to come back twice"})
    assert answer.status_code == 302
    survey.refresh_from_db()
    recovery = survey.recovery_ticket
    assert (survey.csat, survey.nps, survey.channel, survey.answered_by) == (2, 3, "phone", users["agent"])
    assert (recovery.kind, recovery.priority, recovery.org_unit.code) == (TicketKind.COMPLAINT, Priority.HIGH, "S-SH")
    assert recovery.description == "Had to come back twice"
    assert Activity.objects.get(link_id=survey.pk).state == ActivityState.DONE
    again = client.post(reverse("service:survey_step", args=[survey.pk, "answer"]), {"csat": "5"})
    assert again.status_code == 422
    assert Survey.objects.get().csat == 2
    client.force_login(users["service_advisor"])
    page = client.get(reverse("customers:detail", args=[customers["li"].pk])).content.decode()
    assert "CSAT 2/5" in page and "NPS 3/10" in page


def test_the_customers_link_takes_one_answer_and_a_forged_one_nothing(client, users, customers):
    _closed_work_order(users, customers)
    dispatch()
    survey = Survey.objects.get()
    url = reverse("service:survey_link", args=[surveys.link_token(survey)])
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert client.post(url, {"csat": "9"}).status_code == 422  # out of range, refused beside the field
    assert client.post(url, {"csat": "5", "nps": "10"}).status_code == 200
    survey.refresh_from_db()
    assert (survey.csat, survey.nps, survey.channel, survey.recovery_ticket) == (5, 10, "link", None)
    assert "answered already" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    forged = reverse("service:survey_link", args=[f"{survey.pk}:forged"])
    assert client.post(forged, {"csat": "1"}).status_code == 404
    assert Ticket.objects.filter(kind=TicketKind.COMPLAINT).count() == 0


def surveys_made(customers) -> list[Survey]:
    if not Survey.objects.exists():
        from guanxi.core.models import OrgUnit

        for code, customer in (("S-SH", customers["li"]), ("D-GZ1", customers["wang"])):
            ticket = Ticket.objects.create(customer=customer, subject="x", org_unit=OrgUnit.objects.get(code=code),
                                           opened_in=OrgUnit.objects.get(code=code), status=TicketStatus.CLOSED)
            Survey.objects.create(customer=customer, station=ticket.org_unit, ticket=ticket)
    return list(Survey.objects.order_by("pk"))


class TestSurveyPages(PageIsolation):
    model = Survey
    detail_url = "service:survey"
    objects = staticmethod(surveys_made)


class TestSurveyList(ListPageIsolation):
    model, list_url = Survey, "service:surveys"

    @staticmethod
    def prepare(users, customers):
        surveys_made(customers)


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_recording_answers_what_the_scope_allows_and_refusals_change_nothing(client, users, customers, user_key):
    rows = surveys_made(customers)
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)
    before = list(Survey.objects.order_by("pk").values())
    for survey in rows:
        wanted = expected(fresh, Survey, survey, "change")
        with transaction.atomic():
            page = client.post(reverse("service:survey_step", args=[survey.pk, "answer"]), {"csat": "4"})
            if page.status_code >= 400:
                assert list(Survey.objects.order_by("pk").values()) == before  # refused: nothing written
            transaction.set_rollback(True)
        assert page.status_code == (302 if wanted == 200 else wanted), (user_key, survey)
    assert list(Survey.objects.order_by("pk").values()) == before


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost (aiosmtpd) that Django's SMTP backend delivers to; the
    messages it received, parsed."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    received = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            received.append((envelope.rcpt_tos, message))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield received
    controller.stop()


def test_the_link_goes_by_e_mail_only_with_the_customers_consent_and_works(client, users, customers, smtp_server):
    from guanxi.customers import services as customer_services

    _closed_work_order(users, customers)
    dispatch()
    survey = Survey.objects.get()
    li = customers["li"]
    customer_services.add_contact_point(users["admin"], li.pk, {"kind": "email", "value": "li.na@example.cn"})
    client.force_login(users["agent"])
    url = reverse("service:survey_step", args=[survey.pk, "send_link"])
    refused = client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and "not agreed to surveys by e-mail" in refused.content.decode()
    assert not smtp_server
    customer_services.record_consent(users["admin"], li.pk, {"channel": "email", "purpose": "survey",
                                                              "granted": True, "how": "signed form"})
    assert client.post(url).status_code == 302
    ((recipients, mail),) = smtp_server
    assert recipients == ["li.na@example.cn"] and survey.station.name in mail["Subject"]
    link = next(word for word in mail.get_content().split() if "/service/survey/" in word)
    client.logout()
    assert client.post(link, {"csat": "4", "nps": "8"}).status_code == 200
    survey.refresh_from_db()
    assert (survey.csat, survey.channel, survey.link_sent_at is not None) == (4, "link", True)
