"""The REST API root: one NinjaAPI, one router per app, OpenAPI at /api/docs.

Authentication, pagination and the error shape are shared by every router; they live in
guanxi.core.api (see its docstring).
"""

from ninja import NinjaAPI

from guanxi.analytics.api import router as analytics_router
from guanxi.contact_center.api import router as contact_center_router
from guanxi.core.api import AUTH, ReadableJSONRenderer, install_error_handlers
from guanxi.core.api import router as tokens_router
from guanxi.customers.api import lean_lookup
from guanxi.customers.api import router as customers_router
from guanxi.knowledge.api import router as knowledge_router
from guanxi.sales.api import router as sales_router
from guanxi.service.api import router as service_router
from guanxi.service.booking_api import router as booking_router
from guanxi.service.workshop_api import router as workshop_router

api = NinjaAPI(title="Guanxi API", version="1", urls_namespace="api", auth=AUTH, renderer=ReadableJSONRenderer())
install_error_handlers(api)
api.add_router("/", tokens_router)
api.add_router("/", customers_router)
api.add_router("/contact-center/", contact_center_router)
api.add_router("/", sales_router)
api.add_router("/", service_router)
api.add_router("/", knowledge_router)
api.add_router("/", workshop_router)
api.add_router("/", booking_router)
api.add_router("/analytics/", analytics_router)

# Endpoints also answered on the lean path (guanxi.core.lean_api, mounted in guanxi.wsgi): URL name -> lean route.
LEAN_ROUTES = {"api:lookup": lean_lookup}
