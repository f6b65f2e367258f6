"""Isolation tests a model's pages get by inheriting, NetBox's ViewTestCases idea.

A test class declares the model and the url names of its pages; it gets, for every user of the
`users` fixture and every object of `objects()`, a check that each page answers exactly what the
scoping layer allows: 200 where the user may act on the object, 404 where the object is outside
the user's scope (ids leak nothing), 403 where the user's role may not do the action at all.
The scoping layer itself is pinned by explicit matrices (tests/core/test_scoping.py,
tests/customers/test_views.py, tests/customers/test_api.py); these tests hold every page to it.
tests/core/test_route_matrix.py reads `covered_routes()` so that no page escapes.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from guanxi.core.models import User
from guanxi.core.scoping import may

USER_KEYS = ["admin", "hq_sales", "hq_marketing", "analyst", "agent", "supervisor", "dealer_manager", "dealer_sales",
             "service_advisor", "region_manager", "other_dealer", "no_role"]


def expected(user, model, obj, action: str) -> int:
    user = User.objects.get(pk=user.pk)  # a fresh request
    if not may(user, model.permission_key, action):
        return 404 if action == "view" else 403
    return 200 if model.objects.restrict(user, action).filter(pk=obj.pk).exists() else 404


class PageIsolation:
    """Declare `model`, `objects(customers)` and the url names of the pages the model has, of
    `detail_url`, `edit_url`, `delete_url` (and `add_url`, inheriting AddPageIsolation)."""

    model = None
    add_url = detail_url = edit_url = delete_url = ""
    delete_action = "delete"  # "change" where deleting is changing the parent (a contact point)
    registry: list[type] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        PageIsolation.registry.append(cls)

    def object_pages(self):
        pages = ((self.detail_url, "view"), (self.edit_url, "change"), (self.delete_url, self.delete_action))
        return [(url, action) for url, action in pages if url]

    @staticmethod
    def objects(customers) -> list:
        raise NotImplementedError

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_each_page_answers_what_the_scope_allows(self, client, users, customers, user_key):
        client.force_login(users[user_key])
        for obj in self.objects(customers):
            for url, action in self.object_pages():
                status = client.get(reverse(url, args=[obj.pk])).status_code
                assert status == expected(users[user_key], self.model, obj, action), (user_key, url, obj)

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_writes_outside_the_scope_are_refused_and_change_nothing(self, client, users, customers, user_key):
        client.force_login(users[user_key])
        for obj in self.objects(customers):
            before = self.model.objects.filter(pk=obj.pk).values().first()
            for url, action in self.object_pages():
                if action == "view":
                    continue
                allowed = expected(users[user_key], self.model, obj, action)
                if allowed == 200:
                    continue
                assert client.post(reverse(url, args=[obj.pk]), {}).status_code == allowed
                assert self.model.objects.filter(pk=obj.pk).values().first() == before


class AddPageIsolation(PageIsolation):
    """For a model with an add page (`add_url`) too."""

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_the_add_page_opens_only_for_roles_that_may_add(self, client, users, customers, user_key):
        client.force_login(users[user_key])
        allowed = may(User.objects.get(pk=users[user_key].pk), self.model.permission_key, "add")
        assert client.get(reverse(self.add_url)).status_code == (200 if allowed else 403)


class ChildAddPageIsolation:
    """Pages that make a record on a customer's page: declare `child_add_pages`, tuples of (url
    name taking the customer's pk, what the user must be allowed on the customer, the permission
    the role needs first or None)."""

    child_add_pages: list[tuple[str, str, tuple[str, str] | None]] = []
    registry: list[type] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        ChildAddPageIsolation.registry.append(cls)

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_a_record_is_made_only_on_customers_the_user_may_act_on(self, client, users, customers, user_key):
        from guanxi.customers.models import Customer

        client.force_login(users[user_key])
        fresh = User.objects.get(pk=users[user_key].pk)
        for url, action, needs in self.child_add_pages:
            for customer in customers.values():
                if needs and not may(fresh, *needs):
                    wanted = 403
                else:
                    wanted = expected(users[user_key], Customer, customer, action)
                assert client.get(reverse(url, args=[customer.pk])).status_code == wanted, (user_key, url, customer)
                if wanted != 200:
                    assert client.post(reverse(url, args=[customer.pk]), {}).status_code == wanted


class ListPageIsolation:
    """A list page: declare `model`, `list_url` and `prepare(users, customers)` making a few rows
    across units. For every user, the page shows exactly the rows the scoping layer gives."""

    model = None
    list_url = ""
    registry: list[type] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        ListPageIsolation.registry.append(cls)

    @staticmethod
    def prepare(users, customers) -> None:
        pass

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_the_list_shows_exactly_the_rows_in_scope(self, client, users, customers, user_key):
        self.prepare(users, customers)
        assert self.model.objects.exists(), "prepare() made no rows: the test would prove nothing"
        client.force_login(users[user_key])
        response = client.get(reverse(self.list_url))
        assert response.status_code == 200
        shown = {row.record.pk for row in response.context["table"].paginated_rows}
        fresh = User.objects.get(pk=users[user_key].pk)
        assert shown == set(self.model.objects.restrict(fresh).values_list("pk", flat=True))


class BulkEditIsolation:
    """A bulk edit page: declare `model`, `bulk_url`, `objects(customers)` (rows across units) and
    `change`, a form body that would change them. For every user: a selection holding one row the
    user may not change changes nothing (422, or 403 for a role that may not change at all); the
    rows the user may change are changed together."""

    model = None
    bulk_url = ""
    change: dict = {}
    registry: list[type] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        BulkEditIsolation.registry.append(cls)

    @staticmethod
    def objects(customers) -> list:
        raise NotImplementedError

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_a_selection_changes_all_or_nothing_within_the_scope(self, client, users, customers, user_key):
        rows = self.objects(customers)
        assert len(rows) > 1, "objects() gave too few rows: the test would prove nothing"
        client.force_login(users[user_key])
        fresh = User.objects.get(pk=users[user_key].pk)
        mine = set(self.model.objects.restrict(fresh, "change").filter(pk__in=[r.pk for r in rows])
                   .values_list("pk", flat=True))
        before = list(self.model.objects.order_by("pk").values())
        everything = client.post(reverse(self.bulk_url), {"pk": [r.pk for r in rows], "apply": "1", **self.change})
        allowed = may(fresh, self.model.permission_key, "change")
        if not allowed:
            assert everything.status_code == 403
        elif len(mine) < len(rows):
            assert everything.status_code == 422
        else:
            assert everything.status_code == 302
            return
        assert list(self.model.objects.order_by("pk").values()) == before
        if allowed and mine:
            selection = {"pk": sorted(mine), "apply": "1", **self.change}
            assert client.post(reverse(self.bulk_url), selection).status_code == 302
            assert list(self.model.objects.order_by("pk").values()) != before


def covered_routes() -> set[str]:
    """The routes of every page whose class inherited the isolation tests."""
    from django.urls import resolve

    routes = set()
    for case in PageIsolation.registry:
        if case.add_url:
            routes.add(resolve(reverse(case.add_url)).route)
        for url, _action in case.object_pages(case):
            routes.add(resolve(reverse(url, args=[1])).route)
    routes.update(resolve(reverse(case.list_url)).route for case in ListPageIsolation.registry)
    routes.update(resolve(reverse(case.bulk_url)).route for case in BulkEditIsolation.registry)
    for case in ChildAddPageIsolation.registry:
        routes.update(resolve(reverse(url, args=[1])).route for url, _action, _needs in case.child_add_pages)
    return routes


class ApiIsolation:
    """A model's generic endpoints (core.api_crud.ModelApi): declare `api` (the declaration),
    `prepare(users, customers)` making a few rows across units, and for a create under a customer
    `create_body` and `create_needs` ((what the user must be allowed on the customer, the permission
    the role needs first), as for ChildAddPageIsolation). For every user and every endpoint the
    declaration publishes, the answer is what the scoping layer allows, and nothing refused is
    written. `covered_operations()` tells the route walk which operations these tests hold."""

    api = None
    delete_action = "delete"  # "change" where deleting is changing the customer (a contact point)
    create_body: dict = {}
    create_needs: tuple[str, tuple[str, str]] = ("change", ("customers.customer", "change"))
    registry: list[type] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        ApiIsolation.registry.append(cls)

    @staticmethod
    def prepare(users, customers) -> None:
        pass

    def parents(self, customers) -> list:
        """The records whose children the declaration lists and adds: the customers, unless the
        declaration's parent is another model (a deal's quotes)."""
        return list(customers.values())

    def _rows(self, users, customers):
        self.prepare(users, customers)
        rows = list(self.api.model.objects.order_by("pk"))
        assert rows, "prepare() made no rows: the test would prove nothing"
        return rows

    @staticmethod
    def _call(client, method: str, url: str, body=None):
        with transaction.atomic():
            response = getattr(client, method)(url, body, content_type="application/json")
            transaction.set_rollback(True)
        return response

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_reads_answer_what_the_scope_allows(self, client, users, customers, user_key):
        model, api = self.api.model, self.api
        rows = self._rows(users, customers)
        client.force_login(users[user_key])
        fresh = User.objects.get(pk=users[user_key].pk)
        visible = set(model.objects.restrict(fresh).values_list("pk", flat=True))
        for obj in rows:
            assert client.get(f"/api/{api.path}/{obj.pk}").status_code == expected(fresh, model, obj, "view"), obj
        if api.filterset_class is not None:
            page = client.get(f"/api/{api.path}", {"page_size": 200})
            assert page.status_code == 200 and {row["id"] for row in page.json()["results"]} == visible
        if api.parent_model is not None:
            for parent in self.parents(customers):
                page = client.get(f"/api/{api.parent_path}/{parent.pk}/{api.path}", {"page_size": 200})
                assert page.status_code == expected(fresh, api.parent_model, parent, "view"), (parent, page.content)
                if page.status_code == 200:
                    mine = api.parent_rows(model.objects.restrict(fresh), parent).values_list("pk", flat=True)
                    assert {row["id"] for row in page.json()["results"]} == set(mine)

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_writes_answer_what_the_scope_allows_and_refused_ones_change_nothing(
            self, client, users, customers, user_key):
        model, api = self.api.model, self.api
        rows = self._rows(users, customers)
        client.force_login(users[user_key])
        fresh = User.objects.get(pk=users[user_key].pk)
        before = list(model.objects.order_by("pk").values())
        writes = [("patch", "change", {200})] if api.change_schema else []
        writes += [("delete", self.delete_action, {204, 422})] if "DELETE" in {m for m, _ in api.operations()} else []
        for obj in rows:
            for method, action, allowed in writes:
                wanted = expected(fresh, model, obj, action)
                status = self._call(client, method, f"/api/{api.path}/{obj.pk}", {}).status_code
                assert status in (allowed if wanted == 200 else {wanted}), (method, obj, status)
        if api.create_schema is not None and api.parent_model is None:
            response = self._call(client, "post", f"/api/{api.path}", self.create_body)
            if not may(fresh, model.permission_key, "add"):
                assert response.status_code == 403
            elif response.status_code == 422:  # refused only for landing outside the writer's scope
                assert [error["field"] for error in response.json()["detail"]] == [api.scope_field]
            else:
                assert response.status_code == 201, response.content
        if api.create_schema is not None and api.parent_model is not None:
            action, needs = self.create_needs
            for parent in self.parents(customers):
                wanted = 403 if not may(fresh, *needs) else expected(fresh, api.parent_model, parent, action)
                response = self._call(client, "post", f"/api/{api.parent_path}/{parent.pk}/{api.path}",
                                      self.create_body)
                created = {200, 201} if wanted == 200 else {wanted}  # 200: found already (a known VIN)
                assert response.status_code in created, (parent, response.content)
        assert list(model.objects.order_by("pk").values()) == before

    def test_anonymous_callers_get_401_everywhere(self, client, users, customers):
        for method, path in self.api.operations():
            url = path.replace("{pk}", "1").replace("{parent_pk}", "1")
            assert getattr(client, method.lower())("/api" + url).status_code == 401, (method, path)


def covered_operations() -> set[tuple[str, str]]:
    """The API operations (METHOD, OpenAPI path) of every declaration that inherited the tests."""
    return {(method, "/api" + path) for case in ApiIsolation.registry for method, path in case.api.operations()}
