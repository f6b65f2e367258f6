"""The agent desktop: state buttons, the contacts offered to or handled by the agent, the screen pop, and the
tools of a contact in hand (its script and suggested articles, wrap-up, transfer and consult, a lead, ticket
or activity made from it).

Thin: each view finds the signed-in user's agent row (403 for anyone not on the contact-center roster)
and calls one service. The page opens a WebSocket (push.py) that says when something happened to one
of the agent's contacts; the page then fetches the contact list and the caller's card from here, where
the customer is read through the customers' scope like on every page, and the records are made by their
own apps' services as the agent.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import retarget

from guanxi.contact_center import desktop_tools, services, voice
from guanxi.contact_center.models import Agent, QueuedContact
from guanxi.customers import services as customer_services
from guanxi.customers.models import Interaction, Vehicle

RECENT_INTERACTIONS = 5
CARS_SHOWN = 5


def _agent_of(request) -> Agent:
    agent = Agent.objects.filter(user=request.user).first()
    if agent is None:
        raise PermissionDenied(_("Only agents on the contact-center roster have a desktop"))
    return agent


def socket_url(request) -> str:
    """Where the page's WebSocket connects: GUANXI_WEBSOCKET_URL if set (behind a reverse proxy), else the
    page's own host on the WebSocket server's port (`guanxi serve` runs it on the next port)."""
    if settings.GUANXI_WEBSOCKET_URL:
        return settings.GUANXI_WEBSOCKET_URL
    scheme = "wss" if request.is_secure() else "ws"
    host = urlsplit(f"//{request.get_host()}").hostname
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    port = settings.GUANXI_WEBSOCKET_PORT or request.get_port()
    return f"{scheme}://{host}:{port}/ws/desktop/"


@login_required
def desktop(request):
    agent = _agent_of(request)
    socket = socket_url(request)
    response = render(request, "contact_center/desktop.html", {**_list(agent), "socket": socket})
    origin = urlsplit(socket)
    response._csp_update = {"connect-src": [f"{origin.scheme}://{origin.netloc}"]}
    return response


@login_required
def contacts(request):
    """The contact list and the state, refreshed by the page whenever the socket says something happened."""
    agent = _agent_of(request)
    return render(request, "contact_center/_desktop_contacts.html", _list(agent))


@login_required
def contact_card(request, pk: int):
    """The screen pop: who is calling (the customer's essentials and latest contacts, or an unknown party with
    ways to find or add them), for a contact offered to or handled by this agent only, and once answered the
    tools to pass it on or make records of it. The script and the articles follow in a request of their own
    (`contact_aids`): the knowledge search may first have to load its dictionary, and the card must not wait."""
    agent = _agent_of(request)
    contact = get_object_or_404(QueuedContact.objects.select_related("customer"), pk=pk, offered_to=agent)
    customer = _customer_seen(request, contact)
    interactions = vehicles = None
    more_vehicles = 0
    if customer is not None:  # what of them the agent may see, as on the 360 page
        interactions = (Interaction.objects.restrict(request.user, "view").filter(customer=customer)
                        .order_by("-occurred_at")[:RECENT_INTERACTIONS])
        owned = _cars(request, customer)
        vehicles = list(owned[:CARS_SHOWN])
        more_vehicles = owned.count() - len(vehicles) if len(vehicles) == CARS_SHOWN else 0
    in_hand = contact.state == QueuedContact.State.ASSIGNED
    colleagues, queues = desktop_tools.transfer_choices(agent, contact.channel) if in_hand else ([], [])
    return render(request, "contact_center/_desktop_card.html", {
        "contact": contact, "customer": customer, "interactions": interactions, "vehicles": vehicles,
        "claimed": None if customer is not None else _seen(request, contact.claimed_customer_id),
        "more_vehicles": more_vehicles, "in_hand": in_hand, "colleagues": colleagues, "queues": queues,
        "records": desktop_tools.record_choices(request.user) if in_hand and customer is not None else None,
    })


@login_required
def contact_aids(request, pk: int):
    """The script for the contact's purpose and the articles to answer from, on the caller's card."""
    agent = _agent_of(request)
    contact = get_object_or_404(QueuedContact.objects.select_related("customer"), pk=pk, offered_to=agent)
    customer = _customer_seen(request, contact)
    cars = [] if customer is None else list(_cars(request, customer).values_list("model", flat=True)[:CARS_SHOWN])
    return render(request, "contact_center/_desktop_aids.html", {
        "script": desktop_tools.script_for(request.user, contact),
        "articles": desktop_tools.suggested_articles(request.user, contact, cars),
    })


def _customer_seen(request, contact: QueuedContact):
    """The contact's customer as the agent may see them; None for an unknown party, or a customer out of the
    agent's reach (shown as an unknown party)."""
    return _seen(request, contact.customer_id)


def _seen(request, customer_id: int | None):
    if customer_id is None:
        return None
    try:
        return customer_services.get_customer(request.user, customer_id)
    except Http404:
        return None


def _cars(request, customer):
    return (Vehicle.objects.restrict(request.user, "view")
            .filter(ownerships__customer=customer, ownerships__end_date__isnull=True)
            .order_by("-ownerships__start_date", "-pk"))


@login_required
@require_POST
def set_state(request):
    agent = _agent_of(request)
    try:
        voice.connect_offers(services.set_agent_state(agent, request.POST.get("state", "")))
    except ValidationError as exc:
        return _with_error(request, agent, exc)
    return _list_or_page(request, agent)


@login_required
@require_POST
def contact_step(request, pk: int, action: str):
    """Accept or decline an offer, tie an unknown party to the customer the agent has checked they are, or finish
    a contact (or wrap up one its channel ended) with what came of it and the agent's notes."""
    agent = _agent_of(request)
    get_object_or_404(QueuedContact, pk=pk, offered_to=agent)
    try:
        if action == "accept":
            services.accept_offer(agent, pk)
        elif action == "decline":
            voice.connect_offers(services.decline_offer(agent, pk))
        elif action == "identify":
            services.identify_party(agent, pk, _posted_id(request, "customer") or 0)
            if request.htmx:  # the card again, now the customer's
                return contact_card(request, pk)
        elif action == "complete":
            desktop_tools.wrap_up_contact(agent, pk, request.POST.get("wrap_up", ""),
                                          request.POST.get("notes", "").strip())
            # the slot freed, or the after-call work ended: what the agent may take now, on any channel
            voice.connect_offers([offer for channel in agent.capacity
                                  for offer in services.dispatch_agent(agent, channel)])
        else:
            raise Http404
    except ValidationError as exc:
        if action == "identify" and request.htmx:  # said on the card the button is on
            return _answer(request, {"errors": exc.messages}, status=422)
        return _with_error(request, agent, exc)
    return _list_or_page(request, agent)


@login_required
@require_POST
def make_record(request, pk: int, kind: str):
    """One click: a lead, a ticket or an activity for the customer of a contact in hand, with the notes typed so
    far; the card links to it (a plain form goes to it)."""
    agent = _agent_of(request)
    get_object_or_404(QueuedContact, pk=pk, offered_to=agent)
    try:
        made = desktop_tools.record_from_contact(agent, pk, kind, request.POST)
    except ValidationError as exc:
        return _answer(request, {"errors": exc.messages}, status=422)
    if not request.htmx:
        return redirect(made)
    return _answer(request, {"made": made, "made_kind": made._meta.verbose_name})


@login_required
@require_POST
def transfer(request, pk: int):
    """To a colleague or a queue; the card of a contact passed on gives way to a line saying where it went."""
    agent = _agent_of(request)
    get_object_or_404(QueuedContact, pk=pk, offered_to=agent)
    skill = request.POST.get("skill", "").strip()
    try:
        contact = voice.transfer(agent, pk, _colleague(request), skill)
    except ValidationError as exc:
        return _answer(request, {"errors": exc.messages}, status=422)
    if not request.htmx:
        return redirect("contact_center:desktop")
    said = (_("Transferred to the queue “%(skill)s”.") % {"skill": skill} if skill
            else _("Transferred to %(agent)s.") % {"agent": contact.offered_to})
    return retarget(_answer(request, {"said": said, "passed_on": True}), "#desktop-pop")


@login_required
@require_POST
def consult(request, pk: int):
    """Ask a colleague while the customer stays with the agent."""
    agent = _agent_of(request)
    get_object_or_404(QueuedContact, pk=pk, offered_to=agent)
    try:
        voice.consult(agent, pk, _colleague(request), request.POST.get("question", ""))
    except ValidationError as exc:
        return _answer(request, {"errors": exc.messages}, status=422)
    if not request.htmx:
        return redirect("contact_center:desktop")
    return _answer(request, {"said": _("Your colleague is asked; the customer stays with you.")})


def _colleague(request) -> int | None:
    return _posted_id(request, "to_agent")


def _posted_id(request, field: str) -> int | None:
    chosen = request.POST.get(field, "")
    # ASCII digits of a database id only ("²".isdigit() is true, and a huge number overflows the column)
    return int(chosen) if chosen.isascii() and chosen.isdigit() and len(chosen) <= 18 else None


def _answer(request, context: dict, status: int = 200):
    return render(request, "contact_center/_desktop_answer.html", context, status=status)


def _list(agent: Agent, **extra) -> dict:
    """The contact list's context: the contacts in hand, those to wrap up, the wrap-up codes, and when the
    after-call work runs out (the page counts down to it, then says the agent is available)."""
    ends = services.after_call_work_ends(agent)
    return {"agent": agent, "contacts": _in_hand(agent), "to_wrap_up": desktop_tools.to_wrap_up(agent),
            "wrap_up_codes": desktop_tools.wrap_up_codes(),
            "after_call_work_left": None if ends is None else max(0, round((ends - timezone.now()).total_seconds())),
            **extra}


def _in_hand(agent: Agent):
    return (QueuedContact.objects.filter(offered_to=agent, state__in=QueuedContact.ACTIVE)
            .select_related("customer").order_by("arrival", "pk"))


def _list_or_page(request, agent: Agent):
    if request.htmx:
        agent.refresh_from_db()  # the step changed its state
        return render(request, "contact_center/_desktop_contacts.html", _list(agent))
    return redirect("contact_center:desktop")


def _with_error(request, agent: Agent, exc: ValidationError):
    agent.refresh_from_db()
    return render(request, "contact_center/_desktop_contacts.html", _list(agent, errors=exc.messages), status=422)
