from django.contrib import admin
from django.urls import include, path

from guanxi.api import api
from guanxi.contact_center.chat_views import chat_demo

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("guanxi.core.urls")),
    path("customers/", include("guanxi.customers.urls")),
    path("contact-center/", include("guanxi.contact_center.urls")),
    path("chat-demo/", chat_demo, name="chat_demo"),
    path("sales/", include("guanxi.sales.urls")),
    path("service/", include("guanxi.service.urls")),
    path("knowledge/", include("guanxi.knowledge.urls")),
    path("analytics/", include("guanxi.analytics.urls")),
]

handler400 = "guanxi.core.errors.bad_request"
handler403 = "guanxi.core.errors.permission_denied"
handler404 = "guanxi.core.errors.page_not_found"
handler500 = "guanxi.core.errors.server_error"
