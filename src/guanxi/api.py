"""The REST API root: one NinjaAPI, one router per app, OpenAPI at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="Guanxi API", version="1", urls_namespace="api")
