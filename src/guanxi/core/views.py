"""The shell's own pages: the home page, a column of the widgets the apps registered."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string

from guanxi.core.menu import allowed
from guanxi.core.registry import registry


@login_required
def home(request):
    widgets = [
        render_to_string(widget.template, widget.context(request.user), request=request)
        for widget in registry.home_widgets
        if allowed(request.user, widget.needs)
    ]
    return render(request, "core/home.html", {"widgets": widgets})
