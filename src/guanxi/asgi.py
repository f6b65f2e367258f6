"""ASGI entry: HTTP through Django, the agents' desktops over WebSocket (contact_center.push), and the customers'
web chat widget (contact_center.chat).

`guanxi serve` runs this in its own process beside the WSGI workers (server.py) for the WebSocket;
the session cookie signs the agent in, and only pages of an allowed host may open a desktop's socket. The chat
widget lives on other sites' pages: its route checks the Origin against GUANXI_CHAT_ORIGINS (and the CRM's own
hosts), and reads no cookie.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.urls import path  # noqa: E402

http = get_asgi_application()  # sets Django up before the consumers' models are imported

from guanxi.contact_center import chat  # noqa: E402
from guanxi.contact_center.push import DesktopConsumer  # noqa: E402

application = ProtocolTypeRouter({
    "http": http,
    "websocket": URLRouter([
        path("ws/desktop/", AllowedHostsOriginValidator(AuthMiddlewareStack(DesktopConsumer.as_asgi()))),
        path("ws/chat/", chat.application()),
    ]),
})
