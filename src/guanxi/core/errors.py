"""Error pages: JSON in the API's one shape under /api/, a page with a way back everywhere else,
in the user's language (Django's defaults are bare English HTML pages, also under /api/)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _answer(request, status: int, title: str, message: str):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "core/error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception):
    return _answer(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request, exception):
    message = str(exception) if exception and str(exception) else _("Your role may not do this.")
    return _answer(request, 403, _("Not allowed"), message)


def page_not_found(request, exception):
    return _answer(request, 404, _("Not found"), _("No such page or record, or not one you may see."))


def server_error(request):
    return _answer(request, 500, _("Something went wrong"),
                   _("The error has been logged. Try again, or go back to where you were."))


def unavailable(request, message: str):
    return _answer(request, 503, _("Taking too long"), message)
