import zoneinfo

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone, translation

from guanxi.core.audit import Channel, audit_context


class UserPreferencesMiddleware:
    """Times are stored in UTC and shown in the signed-in user's time zone; the user's language
    applies until the language switch sets a cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # A worker thread serves one user after another: every request sets the zone afresh.
        timezone.deactivate()
        if user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except zoneinfo.ZoneInfoNotFoundError:
                pass
        if user.is_authenticated and user.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class AuditChannelMiddleware:
    """Attributes every change during a request to its user and to the UI or API channel."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = Channel.API if request.path.startswith("/api/") else Channel.UI
        with audit_context(actor=request.user, channel=channel):
            return self.get_response(request)


class RejectNulCharactersMiddleware:
    """A NUL character can be in no text Guanxi stores, and PostgreSQL refuses it with an error:
    answer such input as bad input (422 naming the field on the API, 400 on pages), never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._field_with_nul(request)
        if field is None:
            return self.get_response(request)
        message = "the NUL character is not allowed"
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": [{"field": field, "msg": message}]}, status=422)
        return HttpResponseBadRequest(f"{field}: {message}")

    @staticmethod
    def _field_with_nul(request) -> str | None:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "")
        body = request.body if request.method in ("POST", "PUT", "PATCH") else b""
        if b"\x00" in body or b"\\u0000" in body:
            return "body"
        return None
