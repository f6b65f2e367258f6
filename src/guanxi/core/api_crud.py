"""A model's CRUD endpoints from a few declarations: the API half of core.generic (NetBox's API
base, in Ninja).

    class VehicleApi(ModelApi):
        model = Vehicle
        path = "vehicles"
        schema = VehicleOut
        filterset_class = VehicleFilterSet
        change_schema = VehiclePatch

        def change(self, user, pk, data):
            return services.update_vehicle(user, pk, data)

    VehicleApi().register(router)

What is declared is what is published, and nothing else:

    GET    /{path}                          filterset_class: what the user may see, filtered, keyset pages
    GET    /{path}/{pk}                     always; 404 outside the user's scope
    PATCH  /{path}/{pk}                     change_schema: only the fields sent change (PatchDict)
    DELETE /{path}/{pk}                     delete() overridden: 204, or 422 where the service refuses
    GET    /{parent_path}/{parent_pk}/{path}  parent_model: the parent's records (parent out of scope: 404)
    POST   /{parent_path}/{parent_pk}/{path}  create_schema (POST /{path} for a model without a parent)

Every read starts from `Model.objects.restrict(user, "view")`, and every answer, a write's too,
is read back through `queryset(rows, user)`: what the declaration joins or decides for the reader
(a referrer out of their sight) holds for every endpoint alike. Every write goes through the
app's domain service (the declared `create`, `change`, `delete`) in one transaction and is
checked after saving to be inside the writer's scope (`ensure_in_scope`), else rolled back with
a 422: create and change agree. `operations()` lists what was published, so the isolation tests
(tests/isolation.py, ApiIsolation) and the route walk know every endpoint a declaration made.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import translation
from django_filters import FilterSet
from ninja import PatchDict, Query, Router, Schema, Status
from ninja.pagination import paginate

from guanxi.core.api import KeysetPagination, filter_params, filtered
from guanxi.core.limits import undone_then_recorded
from guanxi.core.scoping import ensure_in_scope, get_restricted


def _unchanged(rows: QuerySet, user) -> QuerySet:
    return rows


class ModelApi:
    """Declare `model`, `path` and `schema` (the answer's shape); the rest as the model needs."""

    model: type[Model]
    path: str  # "vehicles"
    schema: type[Schema]
    tags: list[str] | None = None
    filterset_class: type[FilterSet] | None = None  # publishes the top-level list with these filters
    # (rows, user) -> rows: joins, and what is decided for the reader, of every answer (lists, one, writes)
    queryset: Callable[[QuerySet, Any], QuerySet] = staticmethod(_unchanged)
    ordering: tuple[str, ...] = ("-id",)  # of every list; the keyset cursor follows it
    parent_model: type[Model] | None = None  # records of a parent: /{parent_path}/{parent_pk}/{path}
    parent_path = ""  # "customers"
    parent_field = "customer"  # the lookup from a record to its parent
    create_schema: type[Schema] | None = None
    change_schema: type[Schema] | None = None
    scope_field = "__all__"  # the field named when a write would land outside the writer's scope
    created_action = "change"  # what the writer must still be able to do to a record just created

    def parent_rows(self, rows: QuerySet, parent) -> QuerySet:
        return rows.filter(**{self.parent_field: parent})

    def create(self, user, data: dict, parent_pk):
        raise NotImplementedError

    def found_already(self, data: dict, parent_pk) -> bool:
        """Whether creating will find the record there already and change it (a known VIN is
        transferred, a consent recorded again replaces the answer): 200 then, 201 for a new one."""
        return False

    def change(self, user, pk, data: dict):
        raise NotImplementedError

    def delete(self, user, pk) -> None:
        raise NotImplementedError

    # --- what is published ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.model._meta.model_name

    def _deletes(self) -> bool:
        return type(self).delete is not ModelApi.delete

    def _children_path(self) -> str:
        return f"/{self.parent_path}/{{parent_pk}}/{self.path}"

    def operations(self) -> list[tuple[str, str]]:
        """(METHOD, path) of every endpoint the declaration publishes, as OpenAPI writes them."""
        one = f"/{self.path}/{{pk}}"
        published = [("GET", one)]
        if self.filterset_class is not None:
            published.append(("GET", f"/{self.path}"))
        if self.change_schema is not None:
            published.append(("PATCH", one))
        if self._deletes():
            published.append(("DELETE", one))
        if self.parent_model is not None:
            published.append(("GET", self._children_path()))
        if self.create_schema is not None:
            published.append(("POST", self._children_path() if self.parent_model else f"/{self.path}"))
        return published

    def _add(self, router: Router, path: str, method: str, view, operation_id: str, response, doc: str) -> None:
        router.add_api_operation(
            path, [method], view, response=response, operation_id=operation_id, url_name=operation_id,
            summary=doc.split(".")[0], description=doc, tags=self.tags,
        )

    def answer(self, user, pk) -> Model:
        """One record as the endpoints answer it: through `queryset`, for the user; 404 outside their sight."""
        return get_restricted(user, self.queryset(self.model.objects.all(), user), pk, "view")

    def _checked_write(self, user, write: Callable[[], Model], action: str = "change") -> Model:
        with undone_then_recorded():
            saved = write()
            ensure_in_scope(user, saved, action, self.scope_field)
        return self.answer(user, saved.pk)  # read back as GET answers it, so a write shows no more than a read

    def register(self, router: Router) -> None:
        """Adds the declared endpoints to `router`."""
        with translation.override(None):  # the API's documentation is written in English
            label = str(self.model._meta.verbose_name)
            self._register_reads(router, label)
            self._register_writes(router, label)

    def _register_reads(self, router: Router, label) -> None:
        api, plural = self, str(self.model._meta.verbose_name_plural)

        def get_one(request, pk: int):
            return api.answer(request.user, pk)

        self._add(router, f"/{self.path}/{{pk}}", "GET", get_one, f"get_{self.name}", self.schema,
                  f"One {label}; 404 when it is not one you may see.")

        if self.filterset_class is not None:
            Filters = filter_params(self.filterset_class)

            def list_all(request, filters: Query[Filters]):
                rows = api.queryset(api.model.objects.restrict(request.user, "view"), request.user)
                return filtered(api.filterset_class, rows, request, filters)

            self._add(router, f"/{self.path}", "GET", paginate(KeysetPagination, ordering=self.ordering)(list_all),
                      f"list_{self.name}", list[self.schema],
                      f"The {plural} you may see, filtered as on the list page; keyset pages (no count).")

        if self.parent_model is not None:

            def list_of_parent(request, parent_pk: int):
                parent = get_restricted(request.user, api.parent_model, parent_pk, "view")
                rows = api.queryset(api.model.objects.restrict(request.user, "view"), request.user)
                return api.parent_rows(rows, parent)

            self._add(router, self._children_path(), "GET",
                      paginate(KeysetPagination, ordering=self.ordering)(list_of_parent),
                      f"list_{self.parent_model._meta.model_name}_{self.name}", list[self.schema],
                      f"The {plural} of one {self.parent_model._meta.model_name} you may see; keyset pages.")

    def _register_writes(self, router: Router, label) -> None:
        api = self
        if self.create_schema is not None:
            Payload = self.create_schema

            def create_under(request, parent_pk: int, payload: Payload):
                data = payload.model_dump()
                found = api.found_already(data, parent_pk)
                saved = api._checked_write(request.user, lambda: api.create(request.user, data, parent_pk),
                                           api.created_action)
                return Status(200 if found else 201, saved)

            def create(request, payload: Payload):
                return create_under(request, None, payload)

            path, create = (self._children_path(), create_under) if self.parent_model else (f"/{self.path}", create)
            self._add(router, path, "POST", create, f"create_{self.name}", {201: self.schema, 200: self.schema},
                      self.create.__doc__ or f"Adds a {label}.")

        if self.change_schema is not None:
            Changes = PatchDict[self.change_schema]

            def change(request, pk: int, payload: Changes):
                return api._checked_write(request.user, lambda: api.change(request.user, pk, payload))

            self._add(router, f"/{self.path}/{{pk}}", "PATCH", change, f"change_{self.name}", self.schema,
                      self.change.__doc__ or f"Changes the fields sent of one {label}; the others stay.")

        if self._deletes():

            def delete(request, pk: int):
                with transaction.atomic():
                    api.delete(request.user, pk)
                return Status(204, None)

            self._add(router, f"/{self.path}/{{pk}}", "DELETE", delete, f"delete_{self.name}", {204: None},
                      self.delete.__doc__ or f"Deletes one {label}.")
