"""ASGI entry: HTTP through Django, and the agents' desktops over WebSocket (contact_center.push).

`guanxi serve` runs this in its own process beside the WSGI workers (server.py) for the WebSocket;
the session cookie signs the agent in, and only pages of an allowed host may open a socket.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.urls import path  # noqa: E402

http = get_asgi_application()  # sets Django up before the consumers' models are imported

from guanxi.contact_center.push import DesktopConsumer  # noqa: E402

application = ProtocolTypeRouter({
    "http": http,
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter([
        path("ws/desktop/", DesktopConsumer.as_asgi()),
    ]))),
})
