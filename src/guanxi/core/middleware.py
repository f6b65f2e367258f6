import json
import zoneinfo

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
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


class BoundedInputMiddleware:
    """Bad input is answered as bad input (422 naming the field on the API, 400 or 413 on pages),
    never a 500, and without reading what it need not read:

    - a body over GUANXI_MAX_UPLOAD_MB is refused from its Content-Length before it is read (413);
    - a NUL character can be in no text Guanxi stores (PostgreSQL refuses it): it is looked for in
      query parameters, form fields and JSON strings, never in uploaded files (every .xlsx, .zip
      or image holds NUL bytes), and the answer names the field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.GUANXI_MAX_UPLOAD_BYTES:
            limit = settings.GUANXI_MAX_UPLOAD_BYTES // 2**20
            return _bad_input(request, "body", f"larger than the limit of {limit} MB", status=413)
        try:
            field = _field_with_nul(request)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20
            return _bad_input(request, "body", f"form or JSON data over {limit} MB; send files as uploads", status=413)
        if field is not None:
            return _bad_input(request, field, "the NUL character is not allowed")
        return self.get_response(request)


def _bad_input(request, field: str, message: str, status: int = 422):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": [{"field": field, "msg": message}]}, status=status)
    return HttpResponse(f"{field}: {message}", status=400 if status == 422 else status, content_type="text/plain")


def _field_with_nul(request) -> str | None:
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in request.POST.lists():  # files are in request.FILES, not looked at
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "")
        return None
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if b"\x00" not in body and b"\\u0000" not in body:
            return None
        try:
            return _json_path_with_nul(json.loads(body)) or "body"
        except ValueError:
            return "body"
    return None


def _json_path_with_nul(value, path: str = "") -> str | None:
    """The path of the first string holding a NUL (`contacts[0].value`), as the API names fields."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return key.replace("\x00", "")
        step = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
        found = _json_path_with_nul(item, step)
        if found:
            return found
    return None
