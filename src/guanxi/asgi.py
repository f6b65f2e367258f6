"""ASGI entry: HTTP through Django; WebSocket routes join here as channel adapters are built."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

application = ProtocolTypeRouter({"http": get_asgi_application()})
