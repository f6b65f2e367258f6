"""Generic pages fed by declarations, NetBox style: a model's list, edit and delete pages are
classes of a few lines each.

Every list is read through the scoping layer (`Model.objects.restrict(user, "view")`); the
declared `queryset` callable only refines that restricted queryset (joins, default order), so a
list page cannot forget the scope. Pages are cut with django-tables2's LazyPaginator, which reads
one row past the page instead of counting the table: the customer table may hold millions.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_filters import FilterSet
from django_tables2 import CheckBoxColumn, RequestConfig, Table
from django_tables2.paginators import LazyPaginator

from guanxi.core.limits import RateLimited, undone_then_recorded
from guanxi.core.paging import page_number
from guanxi.core.registry import ExportSpec
from guanxi.core.scoping import ensure_in_scope, get_restricted, may, require


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


# A first column of checkboxes belonging to the "Edit selected" form (outside the table).
SELECTABLE = {
    "extra_columns": [("pk", CheckBoxColumn(accessor="pk", attrs={
        "th__input": {"form": "bulk-edit", "aria-label": gettext_lazy("Select all")},
        "td__input": {"form": "bulk-edit", "aria-label": gettext_lazy("Select")},
    }))],
    "sequence": ("pk", "..."),
}


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
    add_url_name = ""  # the "New" button, shown to those whose role may add
    export_key = ""  # the list's ExportSpec (core.registry): CSV and Excel buttons for those who may export
    bulk_edit_url_name = ""  # row checkboxes and "Edit selected", for those whose role may change
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
        may_change = may(request.user, self.model.permission_key, "change")
        bulk = bool(self.bulk_edit_url_name) and may_change
        table = self.table_class(rows, **(SELECTABLE if bulk else {}))
        table.editable = may_change  # cells the table offers to change in place (InlineEditView)
        RequestConfig(request, paginate=False).configure(table)
        paginate_lazily(table, request, self.per_page)
        context = {"title": self.title, "table": table, "filter": filterset}
        if bulk:
            context["bulk_edit_url"] = reverse(self.bulk_edit_url_name)
        if self.add_url_name and may(request.user, self.model.permission_key, "add"):
            context["add_url"] = reverse(self.add_url_name)
        if self.export_key and may(request.user, self.model.permission_key, "export"):
            context["export_url"] = reverse("export_list", args=[self.export_key])
        template = self.results_template_name if wants_partial(request) else self.template_name
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response


def facts(obj, names) -> list[tuple[str, object]]:
    """(label, shown value) of the named fields: choices by their label, dates and times local in
    the language's format, amounts with thousands grouped, yes/no, "—" for nothing; a related
    record stays an object so that the page can link to it."""
    shown = []
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if field.choices:
            value = getattr(obj, f"get_{name}_display")()
        elif isinstance(value, dt.datetime):
            value = date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        elif isinstance(value, dt.date):
            value = date_format(value, "SHORT_DATE_FORMAT")
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, Decimal):  # amounts: 158,200.00
            value = number_format(value, 2, force_grouping=True)
        shown.append((field.verbose_name, "—" if value in (None, "") else value))
    return shown


class ObjectView(LoginRequiredMixin, View):
    """One object's page, for users who may see it (404 otherwise).

    Declare `model` and either `fields` (shown by the generic page) or a `template_name` of its
    own, and optionally `context(user, obj)` for what the page shows besides the object. Edit and
    Delete buttons (`edit_url_name`, `delete_url_name`) show only to users who may do that to it.
    """

    model: type[Model]
    template_name = "core/object_detail.html"
    fields: tuple[str, ...] = ()
    edit_url_name = ""
    delete_url_name = ""
    delete_action = "delete"

    def context(self, user, obj) -> dict:
        return {}

    def _may(self, user, action: str, pk) -> bool:
        return may(user, self.model.permission_key, action) and (
            self.model.objects.restrict(user, action).filter(pk=pk).exists()
        )

    def get(self, request, pk):
        obj = get_restricted(request.user, self.model, pk, "view")
        context = {"object": obj, "model_name": self.model._meta.verbose_name, "facts": facts(obj, self.fields),
                   "may_change": self._may(request.user, "change", pk)}
        if self.edit_url_name and context["may_change"]:
            context["edit_url"] = reverse(self.edit_url_name, args=[pk])
        if self.delete_url_name and self._may(request.user, self.delete_action, pk):
            context["delete_url"] = reverse(self.delete_url_name, args=[pk])
        return render(request, self.template_name, {**context, **self.context(request.user, obj)})


def export_spec(view: type[ObjectListView]) -> ExportSpec:
    """A list page's export: the same rows, filters and columns as the page declares."""
    return ExportSpec(view.export_key, view.model, view.filterset_class, view.table_class, view.queryset, view.title)


def form_errors_from(form, error: ValidationError) -> None:
    """A domain service's ValidationError beside the form's fields (`home_dealer_id` → `home_dealer`)."""
    for field, messages in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
        name = field if field in form.fields else (field or "").removesuffix("_id")
        form.add_error(name if name in form.fields else None, messages)


class ObjectEditView(LoginRequiredMixin, View):
    """Create (no pk) or change one object through a form, NetBox's ObjectEditView.

    Declare `model` and `form_class` (a ModelForm taking `user`); override `save(user, form)` to
    route the write through the app's domain service (the default saves the form). The write
    runs in one transaction and is checked after saving to be inside the writer's scope; a
    ValidationError from either is shown beside its field, what was typed is kept, and nothing
    is written. A record with an `updated_at` is saved only if nobody changed it since the form
    was opened (the form carries that time): the second of two users editing it is told who
    changed it, and saving again replaces that change knowingly instead of silently.
    """

    model: type[Model]
    form_class: type
    template_name = "core/object_edit.html"
    title = ""  # the page's heading before the record's name, instead of "Edit"
    created_action = "change"  # what the writer must still be able to do to a record just created

    def save(self, user, form):
        return form.save()

    def saved_url(self, saved) -> str:
        """Where the user lands after saving: the saved record's page."""
        return saved.get_absolute_url()

    def saved_response(self, request, saved):
        return redirect(self.saved_url(saved))

    def check_may_add(self, request) -> None:
        """Refuses a create the user may not make; a record made under a parent (a customer's
        contact point) overrides this to check the parent instead (its url kwargs: self.kwargs)."""
        require(request.user, self.model.permission_key, "add")

    def _form(self, request, instance, data=None):
        return self.form_class(data, instance=instance, user=request.user)

    def _instance(self, request, pk):
        if pk is None:
            self.check_may_add(request)
            return None
        return get_restricted(request.user, self.model, pk, "change")

    def _render(self, request, form, instance, version="", status=200):
        context = {"form": form, "object": instance, "model_name": self.model._meta.verbose_name, "version": version,
                   "title": self.title}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk=None, **parent):
        instance = self._instance(request, pk)
        return self._render(request, self._form(request, instance), instance, _version(instance))

    def post(self, request, pk=None, **parent):
        instance = self._instance(request, pk)
        form = self._form(request, instance, request.POST)
        version = request.POST.get("version", "")
        status = 422
        if form.is_valid():
            try:
                with undone_then_recorded():
                    version = _refuse_if_changed_since(instance, version)
                    saved = self.save(request.user, form)
                    ensure_in_scope(request.user, saved, "change" if instance else self.created_action, "__all__")
            except ChangedMeanwhile as changed:
                form_errors_from(form, changed)
                version = changed.version
            except ValidationError as error:
                form_errors_from(form, error)
            except RateLimited as refusal:
                form.add_error(None, str(refusal))
                status = RateLimited.status_code
            else:
                return self.saved_response(request, saved)
        return self._render(request, form, instance, version, status=status)


class InlineEditView(ObjectEditView):
    """One field changed where a list shows it (htmx): the cell becomes a small form, and after
    saving shows the new value; without htmx it is the generic edit page. Scope, the domain service
    (`save`), errors beside the field and the changed-meanwhile check are the edit view's.

    Declare `model`, `form_class` (the field or two) and `cell(obj)`, the cell's HTML as the list
    renders it (one function for both, so the cell looks the same after an edit).
    """

    fragment_template = "core/_inline_edit.html"

    def cell(self, obj) -> str:
        raise NotImplementedError

    def get(self, request, pk=None, **parent):
        if wants_partial(request) and "cancel" in request.GET:
            return HttpResponse(self.cell(self._instance(request, pk)))
        return super().get(request, pk)

    def saved_response(self, request, saved):
        return HttpResponse(self.cell(saved)) if wants_partial(request) else super().saved_response(request, saved)

    def _render(self, request, form, instance, version="", status=200):
        if not wants_partial(request):
            return super()._render(request, form, instance, version, status)
        # htmx swaps only a 2xx answer: the form again, its errors beside the field
        context = {"form": form, "object": instance, "version": version, "url": request.path}
        return render(request, self.fragment_template, context)


def _version(instance) -> str:
    """When the record was last changed, as the form shows it ("" for a record without that time)."""
    stamp = getattr(instance, "updated_at", None)
    return stamp.isoformat() if stamp else ""


def _refuse_if_changed_since(instance, version: str) -> str:
    """Refuses the save when the record changed after the form was opened at `version`; gives the
    time the next save must match (the current one once the user has been told). The row stays
    locked until the caller's transaction ends, so no change slips in between check and save."""
    if not version or instance is None:
        return version
    current = _version(type(instance).objects.select_for_update().only("updated_at").get(pk=instance.pk))
    if current != version:
        changed_at = dt.datetime.fromisoformat(current)
        entry = (LogEntry.objects.get_for_object(instance).filter(timestamp__gt=dt.datetime.fromisoformat(version))
                 .select_related("actor").order_by("-timestamp").first())
        who = (entry.actor.get_full_name() or entry.actor.get_username()) if entry and entry.actor else _("Someone")
        when = date_format(timezone.localtime(changed_at), "SHORT_DATETIME_FORMAT")
        raise ChangedMeanwhile(current, _(
            "%(who)s changed this record at %(when)s, after you opened it. Open it again to see their "
            "change, or save again to replace it with what you typed below."
        ) % {"who": who, "when": when})
    return version


class ChangedMeanwhile(ValidationError):
    """Someone saved the record after the form was opened; `version` is its time now."""

    def __init__(self, version: str, message: str):
        super().__init__(message)
        self.version = version


class ObjectDeleteView(LoginRequiredMixin, View):
    """Asks, then deletes one object the user may delete; override `delete(user, obj)` to go
    through the domain service, which may refuse (a customer with history is erased instead)."""

    model: type[Model]
    template_name = "core/object_delete.html"
    success_url = ""  # default: the page of the record the deleted one belonged to (get_absolute_url)
    action = "delete"  # a record belonging to another (a customer's contact point) may use "change"

    def delete(self, user, obj) -> None:
        obj.delete()

    def _render(self, request, obj, error=None, status=200):
        context = {"object": obj, "error": error, "model_name": self.model._meta.verbose_name}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self._render(request, get_restricted(request.user, self.model, pk, self.action))

    def post(self, request, pk):
        obj = get_restricted(request.user, self.model, pk, self.action)
        back = self.success_url or obj.get_absolute_url()
        try:
            with transaction.atomic():
                self.delete(request.user, obj)
        except ValidationError as error:
            return self._render(request, obj, " ".join(error.messages), status=422)
        return redirect(back)


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class BulkEditView(LoginRequiredMixin, View):
    """Changes the rows selected on a list at once, all or none, NetBox's BulkEditView.

    Declare `model`, `form_class` (every field optional: a blank one is left as it is) and
    `apply(user, obj, changes)`, which goes through the app's domain service row by row, so each
    row is validated, scoped, audited and announced as a single edit would be. One row refused
    rolls back every row, and the page names the row and the field. Every selected row must be
    one the user may change; at most MAX_ROWS at a time.
    """

    model: type[Model]
    form_class: type
    template_name = "core/bulk_edit.html"
    list_url_name: str
    MAX_ROWS = 500

    def apply(self, user, obj, changes: dict) -> None:
        raise NotImplementedError

    def post(self, request):
        require(request.user, self.model.permission_key, "change")
        pks = [pk for pk in request.POST.getlist("pk") if pk.isdigit()][: self.MAX_ROWS + 1]
        rows = list(self.model.objects.restrict(request.user, "change").filter(pk__in=pks).order_by("pk"))
        error = None
        if not pks:
            error = _("Select at least one row.")
        elif len(pks) > self.MAX_ROWS:
            error = _("At most %(max)d rows at a time.") % {"max": self.MAX_ROWS}
        elif len(rows) != len(set(pks)):
            error = _("Some selected rows are not ones you may change; nothing was changed.")
        form = self.form_class(request.POST if "apply" in request.POST else None, user=request.user)
        if error is None and form.is_bound and form.is_valid():
            changes = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
            try:
                with transaction.atomic():
                    for obj in rows:
                        try:
                            self.apply(request.user, obj, changes)
                        except ValidationError as exc:
                            raise ValidationError(f"{obj}: {_describe(exc)}") from exc
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect(reverse(self.list_url_name))
        context = {"form": form, "rows": rows, "error": error, "model_name": self.model._meta.verbose_name_plural}
        return render(request, self.template_name, context, status=422 if error or form.errors else 200)


def _for(form_class, user) -> dict:
    """A step's form that offers choices in the user's reach (`needs_user = True`) is handed the user."""
    return {"user": user} if getattr(form_class, "needs_user", False) else {}


class StepView(LoginRequiredMixin, View):
    """One step of a record's way from its page (accept a lead, move a deal …): a POST to
    `<pk>/<action>/`. Declare `model`, `actions` (name -> (form class, the permission it needs, the
    states it is offered in, or None for any)), `detail_view` (the page, shown again with the errors) and
    `act(user, pk, action, cleaned_data)`, which calls the service."""

    model: type
    actions: dict
    detail_view: type
    state_field = "status"

    @classmethod
    def offered(cls, user, obj, bound: dict | None = None) -> dict:
        """The forms of the steps the user may take on the record now."""
        offered, allowed = {}, {}
        for action, (form_class, permission, states) in cls.actions.items():
            if states is not None and getattr(obj, cls.state_field) not in states:
                continue
            if permission not in allowed:  # one query per permission, not per step
                allowed[permission] = cls.model.objects.restrict(user, permission).filter(pk=obj.pk).exists()
            if allowed[permission]:
                offered[action] = (bound or {}).get(action) or form_class(**_for(form_class, user))
        return offered

    def act(self, user, pk, action: str, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, pk, action):
        if action not in self.actions:
            raise Http404(_("No such step."))
        form_class, permission, _states = self.actions[action]
        obj = get_restricted(request.user, self.model, pk, permission)
        form = form_class(request.POST, request.FILES, **_for(form_class, request.user))
        status = 422
        if form.is_valid():
            try:
                self.act(request.user, obj.pk, action, form.cleaned_data)
            except ValidationError as error:
                form_errors_from(form, error)
            except RateLimited as refusal:
                form.add_error(None, str(refusal))
                status = RateLimited.status_code
            else:
                return redirect(obj.get_absolute_url())
        view = self.detail_view()
        obj = get_restricted(request.user, self.model, pk)
        context = {"object": obj, "model_name": self.model._meta.verbose_name, "may_change": True,
                   "facts": facts(obj, view.fields), **view.context(request.user, obj, {action: form})}
        return render(request, view.template_name, context, status=status)
