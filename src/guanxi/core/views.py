"""The shell's own pages: the home dashboard."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from guanxi.customers.overview import stage_counts


@login_required
def home(request):
    stages = stage_counts(request.user)
    total = sum(stage["count"] for stage in stages)
    return render(request, "core/home.html", {"stages": stages, "total_customers": total})
