"""Generic pages fed by declarations, NetBox style: a new list page is a class of a few lines.

Every list is read through the scoping layer (`Model.objects.restrict(user, "view")`); the
declared `queryset` callable only refines that restricted queryset (joins, default order), so a
list page cannot forget the scope. Pages are cut with django-tables2's LazyPaginator, which reads
one row past the page instead of counting the table: the customer table may hold millions.
"""

from collections.abc import Callable

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Model, QuerySet
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views import View
from django_filters import FilterSet
from django_tables2 import RequestConfig, Table
from django_tables2.paginators import LazyPaginator

from guanxi.core.paging import page_number


def _unchanged(rows: QuerySet) -> QuerySet:
    return rows


def wants_partial(request) -> bool:
    """An htmx request swaps a fragment; a history restore after a cache miss needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def paginate_lazily(table: Table, request, per_page: int) -> None:
    """Cuts the table into pages without a COUNT; a bad or too-high page number shows page one."""
    paginate = {"paginator_class": LazyPaginator, "per_page": per_page}
    try:
        table.paginate(page=page_number(request.GET.get(table.prefixed_page_field)), **paginate)
    except (EmptyPage, PageNotAnInteger):
        table.paginate(page=1, **paginate)


class ObjectListView(LoginRequiredMixin, View):
    """A filterable, sortable, paginated list of what the user may see.

    Declare `model`, `table_class`, `filterset_class`, `title` and optionally `queryset`, a
    callable refining the restricted queryset (select_related, default order). An htmx request
    (filter change, sort, page) gets only the results fragment.
    """

    model: type[Model]
    table_class: type[Table]
    filterset_class: type[FilterSet] | None = None
    queryset: Callable[[QuerySet], QuerySet] = staticmethod(_unchanged)
    title = ""
    per_page = 50
    template_name = "core/object_list.html"
    results_template_name = "core/object_list_results.html"

    def visible_rows(self, request) -> QuerySet:
        return self.queryset(self.model.objects.restrict(request.user, "view"))

    def get(self, request):
        rows = self.visible_rows(request)
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET or None, queryset=rows, request=request)
            rows = filterset.qs
        table = self.table_class(rows)
        RequestConfig(request, paginate=False).configure(table)
        paginate_lazily(table, request, self.per_page)
        context = {"title": self.title, "table": table, "filter": filterset}
        template = self.results_template_name if wants_partial(request) else self.template_name
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response
