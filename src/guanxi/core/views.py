"""The shell's own pages: the home page (a column of the widgets the apps registered) and the
user's notifications."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from guanxi.core.menu import allowed
from guanxi.core.models import Notification
from guanxi.core.registry import registry


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
