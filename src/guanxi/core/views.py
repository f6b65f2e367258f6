"""The shell's own pages: the home page (a column of the widgets the apps registered), the
user's notifications, and exports of any registered list."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from guanxi.core import exports, signin
from guanxi.core.forms import ApiTokenForm
from guanxi.core.generic import wants_partial
from guanxi.core.menu import allowed
from guanxi.core.models import ApiToken, Export, Notification
from guanxi.core.registry import registry
from guanxi.core.scoping import require
from guanxi.core.tasks import run_export


@login_required
def home(request):
    widgets = [
        render_to_string(widget.template, widget.context(request.user), request=request)
        for widget in registry.home_widgets
        if allowed(request.user, widget.needs)
    ]
    return render(request, "core/home.html", {"widgets": widgets})


NOTIFICATIONS_SHOWN = 50


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    """The user's own notifications, newest first; a POST marks them all read."""
    own = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        own.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    return render(request, "core/notifications.html", {"notifications": own[:NOTIFICATIONS_SHOWN]})


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The user's own API tokens (name, scope, expiry), issuing one (its clear value is shown on
    this answer only) and revoking one. Another user's token id is a 404, as in the API."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST" and "revoke" in request.POST:
        pk = request.POST["revoke"]
        token = get_object_or_404(ApiToken, pk=pk if pk.isdigit() else None, user=request.user)
        token.delete()
        return redirect("api_tokens")
    if form.is_bound and form.is_valid():
        _token, issued = ApiToken.issue(request.user, form.cleaned_data["name"],
                                        valid_days=form.cleaned_data["valid_days"], scope=form.cleaned_data["scope"])
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-pk")
    return render(request, "core/api_tokens.html", {"tokens": tokens, "form": form, "issued": issued},
                  status=422 if form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request):
    """The code from the user's authenticator app, after the password. The first time, the page
    shows the QR code to add Guanxi to the app; the first right code confirms it. Wrong codes slow
    further tries down (django-otp's throttling); an administrator who deletes the user's device in
    the admin lets them set it up again."""
    device = signin.device_for(request.user)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    error = None
    if request.method == "POST":
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(request.POST.get("code", "").replace(" ", "")):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(target)
        error = _("That code is not right, or came too soon after a wrong one. Wait for the next code and try again.")
    context = {"error": error, "next": target, "enrolment": None if device.confirmed else signin.enrolment(device)}
    return render(request, "core/second_factor.html", context, status=422 if error else 200)


@login_required
def export_list(request, key: str):
    """Export of a list with the filters in the query string: sent at once when small, else an
    Export the worker writes (the user is taken to its progress page)."""
    spec = exports.spec_for(key) if key in registry.exports else None
    file_format = request.GET.get("format", "csv")
    if spec is None or file_format not in exports.FORMATS:
        raise Http404(_("No such export."))
    params = {name: value for name, value in request.GET.items() if name not in ("format", "page", "sort")}
    try:
        rows = exports.export_rows(spec, request.user, params)
    except ValidationError as error:
        return HttpResponseBadRequest("; ".join(f"{field}: {msg}" for field, msg in error.message_dict.items()))
    if not exports.fits_in_a_request(rows):
        try:
            exports.check_size(rows, file_format)
        except ValidationError as error:
            return HttpResponseBadRequest("; ".join(f"{field}: {msg}" for field, msg in error.message_dict.items()))
        export = Export.objects.create(user=request.user, list_key=key, params=params, file_format=file_format)
        transaction.on_commit(lambda: run_export(export.pk))
        return redirect("export", pk=export.pk)
    out = io.BytesIO()
    counted = []
    exports.write(spec, rows, file_format, out, counted.append)
    exports.audit(request.user, spec, params, file_format, sum(counted))
    response = HttpResponse(out.getvalue(), content_type=exports.FORMATS[file_format])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{key}-{stamp}.{file_format}"'
    return response


@login_required
def export_status(request, pk: int):
    """An export's progress (the page refreshes itself while it runs) and, once done, its file."""
    export = get_object_or_404(Export, pk=pk, user=request.user)
    template = "core/_export_progress.html" if wants_partial(request) else "core/export.html"
    return render(request, template, {"export": export})


@login_required
def export_download(request, pk: int):
    """The file, to the user who asked while they still may export that list; gone once expired."""
    export = get_object_or_404(Export, pk=pk, user=request.user, state=Export.State.DONE)
    require(request.user, exports.spec_for(export.list_key).model.permission_key, "export")
    name = f"{export.list_key}-{export.created_at:%Y%m%d-%H%M}.{export.file_format}"
    try:
        file = open(export.file_path, "rb")  # noqa: SIM115  (FileResponse closes it)
    except FileNotFoundError:
        raise Http404(_("This export has expired; export the list again.")) from None
    return FileResponse(file, as_attachment=True, filename=name, content_type=exports.FORMATS[export.file_format])
