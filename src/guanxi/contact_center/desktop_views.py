"""The agent desktop: state buttons, the contacts offered to or handled by the agent, and the screen pop.

Thin: each view finds the signed-in user's agent row (403 for anyone not on the contact-center roster)
and calls one service. The page opens a WebSocket (push.py) that says when something happened to one
of the agent's contacts; the page then fetches the contact list and the caller's card from here, where
the customer is read through the customers' scope like on every page.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.contact_center import services, voice
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
    response = render(request, "contact_center/desktop.html", {
        "agent": agent, "contacts": _in_hand(agent), "socket": socket,
    })
    origin = urlsplit(socket)
    response._csp_update = {"connect-src": [f"{origin.scheme}://{origin.netloc}"]}
    return response


@login_required
def contacts(request):
    """The contact list and the state, refreshed by the page whenever the socket says something happened."""
    agent = _agent_of(request)
    return render(request, "contact_center/_desktop_contacts.html", {"agent": agent, "contacts": _in_hand(agent)})


@login_required
def contact_card(request, pk: int):
    """The screen pop: who is calling (the customer's essentials and latest contacts, or an unknown party with
    ways to find or add them), for a contact offered to or handled by this agent only."""
    agent = _agent_of(request)
    contact = get_object_or_404(QueuedContact.objects.select_related("customer"), pk=pk, offered_to=agent)
    customer = interactions = vehicles = None
    more_vehicles = 0
    if contact.customer_id is not None:
        try:
            customer = customer_services.get_customer(request.user, contact.customer_id)
        except Http404:
            customer = None  # out of the agent's reach: shown as an unknown party
    if customer is not None:  # what of them the agent may see, as on the 360 page
        interactions = (Interaction.objects.restrict(request.user, "view").filter(customer=customer)
                        .order_by("-occurred_at")[:RECENT_INTERACTIONS])
        owned = (Vehicle.objects.restrict(request.user, "view")
                 .filter(ownerships__customer=customer, ownerships__end_date__isnull=True)
                 .order_by("-ownerships__start_date", "-pk"))
        vehicles = list(owned[:CARS_SHOWN])
        more_vehicles = owned.count() - len(vehicles) if len(vehicles) == CARS_SHOWN else 0
    return render(request, "contact_center/_desktop_card.html", {
        "contact": contact, "customer": customer, "interactions": interactions, "vehicles": vehicles,
        "more_vehicles": more_vehicles,
    })


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
    """Accept or decline an offer, or finish a contact with the agent's notes."""
    agent = _agent_of(request)
    get_object_or_404(QueuedContact, pk=pk, offered_to=agent)
    try:
        if action == "accept":
            services.accept_offer(agent, pk)
        elif action == "decline":
            voice.connect_offers(services.decline_offer(agent, pk))
        elif action == "complete":
            services.complete_contact(agent, pk, request.POST.get("notes", "").strip())
            contact = QueuedContact.objects.get(pk=pk)
            voice.connect_offers(services.dispatch_agent(agent, contact.channel))
        else:
            raise Http404
    except ValidationError as exc:
        return _with_error(request, agent, exc)
    return _list_or_page(request, agent)


def _in_hand(agent: Agent):
    return (QueuedContact.objects.filter(offered_to=agent, state__in=QueuedContact.ACTIVE)
            .select_related("customer").order_by("arrival", "pk"))


def _list_or_page(request, agent: Agent):
    if request.htmx:
        return render(request, "contact_center/_desktop_contacts.html", {"agent": agent, "contacts": _in_hand(agent)})
    return redirect("contact_center:desktop")


def _with_error(request, agent: Agent, exc: ValidationError):
    agent.refresh_from_db()
    return render(request, "contact_center/_desktop_contacts.html",
                  {"agent": agent, "contacts": _in_hand(agent), "errors": exc.messages}, status=422)
