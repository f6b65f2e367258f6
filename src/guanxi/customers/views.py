"""Customer pages: the lists, the global search and the 360 view. Thin: parse, query, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from guanxi.core.generic import (
    BulkEditView,
    InlineEditView,
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
    wants_partial,
)
from guanxi.core.limits import RateLimited
from guanxi.core.menu import allowed
from guanxi.core.paging import page_number
from guanxi.core.registry import registry
from guanxi.customers import activities, overview, services
from guanxi.customers.filtersets import (
    ConsentFilterSet,
    ContactPointFilterSet,
    CustomerFilterSet,
    InteractionFilterSet,
    VehicleFilterSet,
)
from guanxi.customers.forms import (
    ConsentBulkForm,
    ConsentChangeForm,
    ConsentForm,
    ContactPointBulkForm,
    ContactPointForm,
    CustomerBulkForm,
    CustomerForm,
    CustomerStageForm,
    CustomerTierForm,
    InteractionBulkForm,
    InteractionForm,
    VehicleBulkForm,
    VehicleForm,
    VehicleRegistrationForm,
)
from guanxi.customers.identity import visible_identity
from guanxi.customers.models import Consent, ContactPoint, Customer, Interaction, Vehicle
from guanxi.customers.tables import (
    ConsentTable,
    ContactPointTable,
    CustomerTable,
    InteractionTable,
    VehicleTable,
    tier_cell,
)


class CustomerListView(ObjectListView):
    model = Customer
    table_class = CustomerTable
    filterset_class = CustomerFilterSet
    title = _("Customers")
    add_url_name = "customers:add"
    export_key = "customers"
    bulk_edit_url_name = "customers:bulk_edit"

    @staticmethod
    def queryset(rows):
        return rows.select_related("home_dealer").order_by("-pk")


class CustomerEditView(ObjectEditView):
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_edit.html"

    def _form(self, request, instance, data=None):
        """A new customer's phone may come filled in: the agent desktop's "New customer" for an unknown caller."""
        if instance is None and data is None:
            return self.form_class(instance=None, user=request.user, initial={"phone": request.GET.get("phone", "")})
        return super()._form(request, instance, data)

    def save(self, user, form):
        if form.instance.pk is None:
            try:
                return services.create_customer(user, form.service_data(), form.contacts())
            except ValidationError as error:
                raise form.beside_contact_fields(error) from error
        return services.update_customer(user, form.instance.pk, form.service_data())


class ChangesCustomer:
    """An edit page for some of a customer's fields: written through services.update_customer
    (locked row, audit, stage history), with what the form's `service_data()` gives."""

    model = Customer

    def save(self, user, form):
        return services.update_customer(user, form.instance.pk, form.service_data())


class CustomerStageView(ChangesCustomer, ObjectEditView):
    """Moves the customer to another lifecycle stage, with the reason (kept in the stage history)."""

    form_class = CustomerStageForm
    title = _("Change the lifecycle stage")


class CustomerTierView(ChangesCustomer, InlineEditView):
    """The tier changed from the customer list, in place (or on its own page without htmx)."""

    form_class = CustomerTierForm
    title = _("Change the tier")

    def cell(self, obj):
        return tier_cell(obj, editable=True)


class VehicleView(ObjectView):
    model = Vehicle
    template_name = "customers/vehicle_detail.html"
    edit_url_name = "customers:vehicle_edit"
    delete_url_name = "customers:vehicle_delete"

    def context(self, user, obj):
        return {"ownerships": overview.ownership_history(user, obj)}


class VehicleEditView(ObjectEditView):
    model = Vehicle
    form_class = VehicleForm

    def save(self, user, form):
        return services.update_vehicle(user, form.instance.pk, form.service_data())


class VehicleDeleteView(ObjectDeleteView):
    """Only a vehicle registered by mistake; one with history is refused (services.delete_vehicle)."""

    model = Vehicle
    success_url = reverse_lazy("customers:vehicles")

    def delete(self, user, obj):
        services.delete_vehicle(user, obj.pk)


class VehicleBulkEditView(BulkEditView):
    model = Vehicle
    form_class = VehicleBulkForm
    list_url_name = "customers:vehicles"

    def apply(self, user, obj, changes):
        data = {**changes}
        if "service_unit" in data:
            data["service_unit_id"] = data.pop("service_unit").pk
        services.update_vehicle(user, obj.pk, data)


class InteractionListView(ObjectListView):
    model = Interaction
    table_class = InteractionTable
    filterset_class = InteractionFilterSet
    title = _("Interactions")
    export_key = "interactions"
    bulk_edit_url_name = "customers:interaction_bulk_edit"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "org_unit", "user").order_by("-occurred_at", "-pk")


class InteractionView(ObjectView):
    model = Interaction
    fields = ("customer", "occurred_at", "channel", "direction", "subject", "summary", "amount", "user", "org_unit")
    edit_url_name = "customers:interaction_edit"
    delete_url_name = "customers:interaction_delete"


class InteractionDeleteView(ObjectDeleteView):
    """An entry logged by mistake (on the wrong customer); the audit log keeps what it said."""

    model = Interaction

    def delete(self, user, obj):
        services.delete_interaction(user, obj.pk)


class InteractionBulkEditView(BulkEditView):
    model = Interaction
    form_class = InteractionBulkForm
    list_url_name = "customers:interactions"

    def apply(self, user, obj, changes):
        services.update_interaction(user, obj.pk, changes)


class ConsentListView(ObjectListView):
    model = Consent
    table_class = ConsentTable
    filterset_class = ConsentFilterSet
    title = _("Consents")
    export_key = "consents"
    bulk_edit_url_name = "customers:consent_bulk_edit"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer").order_by("-pk")


class ConsentView(ObjectView):
    model = Consent
    fields = ("customer", "channel", "purpose", "granted", "recorded_at", "how")
    edit_url_name = "customers:consent_edit"


class ConsentEditView(ObjectEditView):
    """The customer's new answer for this channel and purpose."""

    model = Consent
    form_class = ConsentChangeForm

    def save(self, user, form):
        return services.change_consent(user, form.instance.pk, form.cleaned_data)


class ConsentBulkEditView(BulkEditView):
    model = Consent
    form_class = ConsentBulkForm
    list_url_name = "customers:consents"

    def apply(self, user, obj, changes):
        services.change_consent(user, obj.pk, changes)


class ContactPointListView(ObjectListView):
    model = ContactPoint
    table_class = ContactPointTable
    filterset_class = ContactPointFilterSet
    title = _("Contact points")
    export_key = "contact_points"
    bulk_edit_url_name = "customers:contact_bulk_edit"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer").order_by("-pk")


class ChildOfCustomer:
    """A record made on a customer's page (contact point, consent, interaction): creating it is
    changing the customer, so the customer must be one the user may change."""

    customer_action = "change"

    def check_may_add(self, request):
        services.get_customer(request.user, self.kwargs["customer_pk"], self.customer_action)


class ContactPointView(ObjectView):
    model = ContactPoint
    fields = ("customer", "kind", "value", "is_primary", "opted_out", "opted_out_at", "province", "city", "district")
    edit_url_name = "customers:contact_edit"
    delete_url_name = "customers:contact_delete"
    delete_action = "change"  # removing a wrong number is changing the customer


class ContactPointBulkEditView(BulkEditView):
    """Many numbers opted out at once (a list the customers asked to leave)."""

    model = ContactPoint
    form_class = ContactPointBulkForm
    list_url_name = "customers:contact_points"

    def apply(self, user, obj, changes):
        services.update_contact_point(user, obj.pk, changes)


class ContactPointEditView(ChildOfCustomer, ObjectEditView):
    model = ContactPoint
    form_class = ContactPointForm

    def save(self, user, form):
        if form.instance.pk is None:
            return services.add_contact_point(user, self.kwargs["customer_pk"], form.cleaned_data)
        return services.update_contact_point(user, form.instance.pk, form.cleaned_data)


class ContactPointDeleteView(ObjectDeleteView):
    model = ContactPoint
    action = "change"  # removing a wrong number is changing the customer

    def delete(self, user, obj):
        services.delete_contact_point(user, obj.pk)


class VehicleRegisterView(ChildOfCustomer, ObjectEditView):
    """Registers a car to the customer: a new one, a trade-in or a second owner's (services.add_vehicle)."""

    model = Vehicle
    form_class = VehicleRegistrationForm

    def check_may_add(self, request):
        ObjectEditView.check_may_add(self, request)
        super().check_may_add(request)

    def save(self, user, form):
        return services.add_vehicle(user, self.kwargs["customer_pk"], form.cleaned_data)

    def saved_url(self, saved):
        """Back to the customer's 360 page, where the car now shows, as after adding a contact point."""
        return reverse("customers:detail", args=[self.kwargs["customer_pk"]])


class ConsentRecordView(ChildOfCustomer, ObjectEditView):
    """Records what the customer agreed to for a channel and purpose (a new answer replaces the
    old one; the audit log keeps every answer)."""

    model = Consent
    form_class = ConsentForm

    def save(self, user, form):
        return services.record_consent(user, self.kwargs["customer_pk"], form.cleaned_data)


class InteractionLogView(ChildOfCustomer, ObjectEditView):
    """Logs a call, visit, message or note on the timeline of a customer the user may see, or
    corrects an entry (the time left empty keeps it)."""

    model = Interaction
    form_class = InteractionForm
    customer_action = "view"

    def check_may_add(self, request):
        ObjectEditView.check_may_add(self, request)
        super().check_may_add(request)

    def save(self, user, form):
        if form.instance.pk is None:
            interaction = services.add_interaction(user, self.kwargs["customer_pk"], form.cleaned_data)
            if follow_up := form.follow_up_data():
                activities.schedule_activity(user, follow_up, customer_pk=self.kwargs["customer_pk"], link=interaction)
            return interaction
        changes = {**form.cleaned_data}
        if changes["occurred_at"] is None:
            del changes["occurred_at"]
        return services.update_interaction(user, form.instance.pk, changes)


class CustomerBulkEditView(BulkEditView):
    model = Customer
    form_class = CustomerBulkForm
    list_url_name = "customers:list"

    def apply(self, user, obj, changes):
        data = {**changes}
        if "home_dealer" in data:
            data["home_dealer_id"] = data.pop("home_dealer").pk
        services.update_customer(user, obj.pk, data)


class CustomerDeleteView(ObjectDeleteView):
    model = Customer
    success_url = reverse_lazy("customers:list")

    def delete(self, user, obj):
        services.delete_customer(user, obj.pk)


class VehicleListView(ObjectListView):
    model = Vehicle
    table_class = VehicleTable
    filterset_class = VehicleFilterSet
    title = _("Vehicles")
    export_key = "vehicles"
    bulk_edit_url_name = "customers:vehicle_bulk_edit"

    @staticmethod
    def queryset(rows):
        return rows.select_related("selling_dealer").order_by("-pk")


SEARCH_PAGE_ROWS = 20


def _with_what_matched(query: str, customers: list) -> list[tuple]:
    """(customer, what the query found it by, masked where personal) for the rows shown."""
    matched = services.matched_identifiers(query, [customer.pk for customer in customers])
    return [(customer, matched.get(customer.pk, "")) for customer in customers]


def _search_query(request) -> str:
    return ((request.POST.get("q") if request.method == "POST" else request.GET.get("q", "")) or "").strip()


@login_required
def search(request):
    """The global search: one hit opens the customer's 360 page, several are listed 20 a page with
    what each was found by; hits are counted up to 100 ("more than 100" beyond).

    The box posts its query, and so do the page buttons: phone and ID numbers stay out of URLs, so
    out of access logs, proxy logs and browser history. A GET with ?q= still works for links people
    already keep.
    """
    query = _search_query(request)
    try:
        hits = list(services.lookup(request.user, query, limit=services.SEARCH_COUNTED_UP_TO + 1))
    except RateLimited as refusal:
        context = {"query": query, "rows": [], "refusal": str(refusal)}
        return render(request, "customers/search.html", context, status=RateLimited.status_code)
    if len(hits) == 1:
        return redirect("customers:detail", pk=hits[0].pk)
    counted = hits[: services.SEARCH_COUNTED_UP_TO]
    pages = max(1, -(-len(counted) // SEARCH_PAGE_ROWS))
    page = min(page_number(request.POST.get("page") or request.GET.get("page")), pages)
    shown = counted[(page - 1) * SEARCH_PAGE_ROWS: page * SEARCH_PAGE_ROWS]
    context = {
        "query": query, "rows": _with_what_matched(query, shown),
        "count": len(counted), "more": len(hits) > len(counted), "page": page, "pages": range(1, pages + 1),
        "searched_as": services.searched_as(query) if query else "",
    }
    return render(request, "customers/search.html", context)


SUGGESTIONS = 8


@login_required
@require_POST
def suggest(request):
    """Typeahead under the search box: the first customers for what is typed so far, with what
    each was found by. Posted (like the box) to keep numbers out of URLs. Not for ID numbers: each
    search by ID number counts towards the user's hourly limit, so those wait for Enter."""
    query = _search_query(request)
    rows = []
    key = services.lookup_key(query)
    by_id_number = bool(key) and key[0] == "national_id"
    if len(query) >= 2 and not by_id_number:
        found = list(services.lookup(request.user, query, limit=SUGGESTIONS))
        rows = _with_what_matched(query, found)
    return render(request, "customers/_suggestions.html", {"rows": rows, "query": query, "by_id_number": by_id_number})


@login_required
@require_POST
def duplicates(request):
    """While a new customer is typed in: the customers the user may see who have the same mobile
    number, e-mail address or ID number (htmx swaps the list in beside the form)."""
    found, refusal = services.possible_duplicates(request.user, **{key: request.POST.get(key, "") for key in
                                                                   ("phone", "email", "national_id")})
    return render(request, "customers/_duplicates.html", {"duplicates": found, "refusal": refusal})


@login_required
def customer_detail(request, pk):
    """The 360 view. A fixed number of queries whatever the customer's history (pinned by a test)."""
    view = overview.customer_360(request.user, pk, request.GET.get("timeline_page") or 1)
    if wants_partial(request) and "timeline_page" in request.GET:
        return render(request, "customers/_timeline.html", {"customer": view.customer, "timeline": view.timeline})
    identity = visible_identity(view.customer, request.user)
    return render(request, "customers/customer_detail.html",
                  {**vars(view), "identity": identity, "cards": _profile_cards(request, view.customer)})


def _profile_cards(request, customer) -> list[str]:
    """The parts other apps add to the 360 page (scores, later leads and tickets), rendered."""
    cards = []
    for card in registry.profile_cards:
        if allowed(request.user, card.needs) and (context := card.context(request.user, customer)) is not None:
            cards.append(render_to_string(card.template, context, request=request))
    return cards
