"""Activity pages: My day, the list, one activity, scheduling and closing. Thin: the rules are in
customers.activities."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from guanxi.core.generic import ObjectEditView, ObjectListView, ObjectView, wants_partial
from guanxi.core.scoping import may
from guanxi.customers import activities
from guanxi.customers.filtersets import ActivityFilterSet
from guanxi.customers.forms import ActivityForm
from guanxi.customers.models import Activity
from guanxi.customers.tables import ActivityTable
from guanxi.customers.views import ChildOfCustomer


@login_required
def my_day(request):
    """The user's open activities in four quadrants, urgent and important first."""
    quadrants = activities.my_day(request.user)
    context = {"quadrants": quadrants, "may_add": may(request.user, Activity.permission_key, "add"),
               "total": sum(len(q.activities) + q.more for q in quadrants)}
    return render(request, "customers/my_day.html", context)


@login_required
@require_POST
def close(request, pk):
    """Done (or cancelled) in one click: htmx swaps the item for its closed form; a plain form
    goes back where it came from."""
    try:
        activity = activities.close_activity(request.user, pk, request.POST.get("state", "done"))
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=422)
    if wants_partial(request):
        return render(request, "customers/_activity_item.html", {"activity": activity})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = activity.get_absolute_url()
    return redirect(back)


class ActivityListView(ObjectListView):
    model = Activity
    table_class = ActivityTable
    filterset_class = ActivityFilterSet
    title = _("Activities")
    add_url_name = "customers:activity_add"
    export_key = "activities"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "assignee").order_by("due_at", "pk")


class ActivityView(ObjectView):
    model = Activity
    template_name = "customers/activity_detail.html"
    fields = ("kind", "customer", "due_at", "assignee", "important", "urgent", "state", "note", "created_by",
              "created_at", "closed_at")
    edit_url_name = "customers:activity_edit"

    def context(self, user, obj):
        return {"closing": [("done", _("Mark as done")), ("cancelled", _("Cancel the activity"))]}


class ActivityEditView(ObjectEditView):
    """Schedules an activity (a to-do of the user's own, or about a customer from its 360 page)
    or reschedules one; closed activities stay as they were closed."""

    model = Activity
    form_class = ActivityForm

    def save(self, user, form):
        data = {**form.cleaned_data}
        if form.instance.pk:
            return activities.update_activity(user, form.instance.pk, data)
        return activities.schedule_activity(user, data, customer_pk=self.kwargs.get("customer_pk"))


class CustomerActivityAddView(ChildOfCustomer, ActivityEditView):
    customer_action = "view"

    def check_may_add(self, request):
        ActivityEditView.check_may_add(self, request)
        super().check_may_add(request)
