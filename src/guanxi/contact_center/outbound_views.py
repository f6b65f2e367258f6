"""Outbound call lists' pages: the lists (a new one from the customer filter or a rule), a list's progress for the
supervisor, and the agent's page that works a list one customer at a time. Thin: parse, call one service of
outbound.py (which checks the role and the scope), render or redirect with what happened."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.contact_center import outbound
from guanxi.contact_center.models import Agent, CallList, CallListEntry
from guanxi.core.generic import form_errors_from
from guanxi.core.scoping import get_restricted, may, require
from guanxi.customers.filtersets import CustomerFilterSet
from guanxi.customers.models import ConsentPurpose, Interaction

FILTER_PREFIX = "filter"
RECENT_INTERACTIONS = 3


class CallListForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    purpose = forms.ChoiceField(label=gettext_lazy("purpose"), choices=ConsentPurpose.choices,
                                initial=ConsentPurpose.SERVICE)
    mode = forms.ChoiceField(label=gettext_lazy("mode"), choices=CallList.Mode.choices)
    source = forms.ChoiceField(label=gettext_lazy("source"), choices=CallList.Source.choices)
    rule = forms.ChoiceField(label=gettext_lazy("rule"), required=False,
                             choices=[("", "—"), *CallList.Rule.choices])
    max_attempts = forms.IntegerField(label=gettext_lazy("attempts at most"), initial=3,
                                      min_value=1, max_value=outbound.MAX_ATTEMPTS)
    retry_minutes = forms.IntegerField(label=gettext_lazy("minutes between attempts"), initial=120,
                                       min_value=outbound.RETRY_MINUTES[0], max_value=outbound.RETRY_MINUTES[1])


@login_required
def call_lists(request):
    """The lists the user may see, active first, with how many customers wait; a new list for those who may make
    one. Agents find here the lists to work ("My call lists")."""
    require(request.user, outbound.KEY, "view")
    may_add = may(request.user, outbound.KEY, "add")
    form = CallListForm()
    filters = CustomerFilterSet(prefix=FILTER_PREFIX, request=request)
    if request.method == "POST":
        require(request.user, outbound.KEY, "add")
        form = CallListForm(request.POST)
        chosen = {name: request.POST.get(f"{FILTER_PREFIX}-{name}", "") for name in CustomerFilterSet.base_filters}
        filters = CustomerFilterSet(request.POST, prefix=FILTER_PREFIX, request=request)
        if form.is_valid():
            data = {**form.cleaned_data, "filters": {k: v for k, v in chosen.items() if v}}
            if data["source"] == CallList.Source.RULE:
                data["filters"] = {}
            try:
                call_list, counts = outbound.create_list(request.user, data)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Call list “%(name)s” made: %(added)s customers to call, %(skipped)s "
                                            "skipped.") % {"name": call_list.name, **counts})
                return redirect("contact_center:call_list", call_list.pk)
    rows = (CallList.objects.restrict(request.user).select_related("owner")
            .annotate(total=Count("entries"), waiting=Count("entries", filter=Q(entries__state="pending")))
            .order_by("state", "-created_at", "-pk"))
    return render(request, "contact_center/call_lists.html", {
        "lists": rows, "form": form if may_add else None, "filters": filters,
        "is_agent": Agent.objects.filter(user=request.user).exists(),
    })


@login_required
def call_list(request, pk: int):
    """A list's progress: entries by state, outcomes (chart), skip reasons, and the latest entries."""
    found = get_restricted(request.user, CallList.objects.select_related("owner", "org_unit"), pk)
    progress = outbound.progress(found)
    rows = outbound.entries(request.user, pk)
    for entry in rows:
        entry.outcome_label = outbound.outcome_label(entry.outcome) if entry.outcome else ""
    chart = {"labels": [label for _code, label, _n in progress["outcomes"]],
             "counts": [n for _code, _label, n in progress["outcomes"]], "name": _("Calls")}
    return render(request, "contact_center/call_list.html", {
        "call_list": found, "progress": progress, "chart": chart,
        "entries": rows,
        "may_change": may(request.user, outbound.KEY, "change"),
        "is_agent": Agent.objects.filter(user=request.user).exists(),
    })


@login_required
@require_POST
def call_list_step(request, pk: int, action: str):
    """Activate or close a list (a supervisor), or dial the next customer due (an agent, progressive mode)."""
    try:
        if action in ("activate", "close"):
            state = CallList.State.ACTIVE if action == "activate" else CallList.State.CLOSED
            counts = outbound.set_state(request.user, pk, state)
            if action == "activate":
                messages.success(request, _("The list is active: %(added)s customers added, %(skipped)s skipped.")
                                 % counts)
            return redirect("contact_center:call_list", pk)
        if action != "next":
            raise Http404
        if outbound.dial_next(request.user, pk) is None:
            messages.info(request, _("Nobody on this list is due for a call now."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if action != "next":
            return redirect("contact_center:call_list", pk)
    return redirect("contact_center:call_list_work", pk)


@login_required
def call_list_work(request, pk: int):
    """The agent's page for a list: the call waiting for its outcome, else the next customer due with Call and
    Skip (preview) or Next call (progressive)."""
    agent = outbound.agent_of(request.user)
    found = get_restricted(request.user, CallList, pk)
    entry = None
    if found.state == CallList.State.ACTIVE:
        entry = outbound.next_entry(request.user, pk)
    interactions = None
    if entry is not None:
        interactions = (Interaction.objects.restrict(request.user).filter(customer_id=entry.customer_id)
                        .order_by("-occurred_at")[:RECENT_INTERACTIONS])
    return render(request, "contact_center/call_list_work.html", {
        "call_list": found, "agent": agent, "entry": entry, "interactions": interactions,
        "in_hand": entry is not None and entry.state == CallListEntry.State.DIALLING,
        "outcomes": _outcome_labels(), "progress": outbound.progress(found),
    })


@login_required
@require_POST
def entry_step(request, pk: int, step: str):
    """Call or skip the previewed customer, or say what came of the call."""
    entry = get_restricted(request.user, CallListEntry, pk)
    try:
        if step == "call":
            called = outbound.call_entry(request.user, pk)
            if called.state == CallListEntry.State.SKIPPED:
                messages.warning(request, _("%(customer)s was skipped: %(reason)s")
                                 % {"customer": called.customer, "reason": called.get_skip_reason_display()})
        elif step == "skip":
            outbound.skip_entry(request.user, pk)
        elif step == "outcome":
            wrapped = outbound.record_outcome(request.user, pk, request.POST.get("outcome", ""),
                                              request.POST.get("notes", ""))
            if wrapped.next_refused:
                messages.warning(request, wrapped.next_refused)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("contact_center:call_list_work", entry.call_list_id)


def _outcome_labels() -> dict[str, str]:
    return {code: str(label) for code, (label, _effect) in outbound.outcomes().items()}
