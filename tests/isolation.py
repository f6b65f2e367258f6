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
from django.urls import reverse

from guanxi.core.models import User
from guanxi.core.scoping import may

USER_KEYS = ["admin", "hq_sales", "hq_marketing", "analyst", "agent", "supervisor", "dealer_manager", "dealer_sales",
             "service_advisor", "region_manager", "other_dealer", "no_role"]


def expected(user, model, obj, action: str) -> int:
    user = User.objects.get(pk=user.pk)  # a fresh request
    if not may(user, model.permission_key, action):
        return 403
    return 200 if model.objects.restrict(user, action).filter(pk=obj.pk).exists() else 404


class EditViewIsolation:
    """Declare `model`, `add_url`, `edit_url`, `delete_url` and `objects(customers)`."""

    model = None
    add_url = edit_url = delete_url = ""
    registry: list[type] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        EditViewIsolation.registry.append(cls)

    @staticmethod
    def objects(customers) -> list:
        raise NotImplementedError

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_the_add_page_opens_only_for_roles_that_may_add(self, client, users, customers, user_key):
        client.force_login(users[user_key])
        allowed = may(User.objects.get(pk=users[user_key].pk), self.model.permission_key, "add")
        assert client.get(reverse(self.add_url)).status_code == (200 if allowed else 403)

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_edit_and_delete_pages_answer_what_the_scope_allows(self, client, users, customers, user_key):
        client.force_login(users[user_key])
        for obj in self.objects(customers):
            for url, action in ((self.edit_url, "change"), (self.delete_url, "delete")):
                status = client.get(reverse(url, args=[obj.pk])).status_code
                assert status == expected(users[user_key], self.model, obj, action), (user_key, url, obj)

    @pytest.mark.parametrize("user_key", USER_KEYS)
    def test_writes_outside_the_scope_are_refused_and_change_nothing(self, client, users, customers, user_key):
        client.force_login(users[user_key])
        for obj in self.objects(customers):
            before = self.model.objects.filter(pk=obj.pk).values().first()
            for url, action in ((self.edit_url, "change"), (self.delete_url, "delete")):
                allowed = expected(users[user_key], self.model, obj, action)
                if allowed == 200:
                    continue
                assert client.post(reverse(url, args=[obj.pk]), {}).status_code == allowed
                assert self.model.objects.filter(pk=obj.pk).values().first() == before


def covered_routes() -> set[str]:
    """The routes of every page whose class inherited the isolation tests."""
    from django.urls import resolve

    routes = set()
    for case in EditViewIsolation.registry:
        routes.add(resolve(reverse(case.add_url)).route)
        routes.add(resolve(reverse(case.edit_url, args=[1])).route)
        routes.add(resolve(reverse(case.delete_url, args=[1])).route)
    return routes
