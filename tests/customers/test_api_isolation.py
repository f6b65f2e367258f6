"""Every endpoint the customers app publishes from declarations (customers/api.py) gets the
generic API isolation tests (tests/isolation.py, ApiIsolation) by declaring a few fixtures."""

from guanxi.core.roles import Role
from guanxi.customers import api, services
from tests.conftest import shared_people
from tests.isolation import ApiIsolation

people, org, users, customers = shared_people()


class TestCustomerApiIsolation(ApiIsolation):
    api = api.CustomerApi()
    create_body = {"name": "新客户", "contacts": [{"kind": "phone", "value": "13600136000"}]}


class TestContactPointApiIsolation(ApiIsolation):
    api = api.ContactPointApi()
    delete_action = "change"  # removing a wrong number is changing the customer
    create_body = {"kind": "email", "value": "new@example.cn"}


class TestConsentApiIsolation(ApiIsolation):
    api = api.ConsentApi()
    create_body = {"channel": "email", "purpose": "survey", "granted": True, "how": "web form"}

    @staticmethod
    def prepare(users, customers):
        for customer in customers.values():
            services.record_consent(users[Role.ADMIN], customer.pk,
                                    {"channel": "sms", "purpose": "marketing", "granted": True, "how": "门店签字"})


class TestVehicleApiIsolation(ApiIsolation):
    api = api.VehicleApi()
    create_body = {"vin": "1M8GDM9AXKP042788", "model": "ID.4", "model_year": 2024}
    create_needs = ("change", ("customers.vehicle", "add"))


class TestInteractionApiIsolation(ApiIsolation):
    api = api.InteractionApi()
    create_body = {"channel": "phone", "direction": "in", "subject": "回访"}
    create_needs = ("view", ("customers.interaction", "add"))

    @staticmethod
    def prepare(users, customers):
        for customer in customers.values():
            services.add_interaction(users[Role.ADMIN], customer.pk, {"channel": "phone", "direction": "in",
                                                                      "subject": "咨询"})
        # the service station's own visit: it sees this entry of a customer it only services
        services.add_interaction(users[Role.SERVICE_ADVISOR], customers["li"].pk,
                                 {"channel": "visit", "direction": "in", "subject": "首保"})
