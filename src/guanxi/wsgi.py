"""The WSGI application `guanxi serve` runs: Django, with the API's hottest reads on the lean path
(guanxi.core.lean_api) in front of it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
django_application = get_wsgi_application()

from guanxi.api import LEAN_ROUTES, api  # noqa: E402 (needs the apps loaded by get_wsgi_application)
from guanxi.core.lean_api import LeanAPI  # noqa: E402

application = LeanAPI(django_application, api, LEAN_ROUTES)
