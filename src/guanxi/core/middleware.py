import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

from guanxi.core.audit import Channel, audit_context


class UserPreferencesMiddleware:
    """Times are stored in UTC and shown in the signed-in user's time zone; the user's language
    applies until the language switch sets a cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except zoneinfo.ZoneInfoNotFoundError:
                timezone.deactivate()
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
