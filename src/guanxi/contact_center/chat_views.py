"""The web chat's two pages of the CRM, open to anyone: where the widget finds its WebSocket, and a demo page
carrying the widget as any site would (contact_center.chat serves the socket itself).

Thin and public: neither reads or writes a record; the socket checks the page's origin.
"""

from urllib.parse import urlsplit

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guanxi.contact_center.desktop_views import socket_url


def chat_socket_url(request) -> str:
    """The chat's WebSocket beside the desktops' (same server, same proxy): their URL with chat for desktop."""
    desktop = urlsplit(socket_url(request))
    prefix = desktop.path.rpartition("desktop")[0] or "/ws/"
    return f"{desktop.scheme}://{desktop.netloc}{prefix}chat/"


@require_GET
def chat_socket(request):
    """Read by the widget on another site's page: public, so any page may read it (the socket decides who may
    connect)."""
    response = JsonResponse({"socket": chat_socket_url(request)})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def chat_demo(request):
    socket = urlsplit(chat_socket_url(request))
    response = render(request, "contact_center/chat_demo.html", {
        "guanxi": f"{request.scheme}://{request.get_host()}"})
    response._csp_update = {"connect-src": [f"{socket.scheme}://{socket.netloc}"]}
    return response
