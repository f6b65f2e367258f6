"""The shell's own pages: the home dashboard."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count
from django.shortcuts import render

from guanxi.customers.models import Customer, Stage

DASHBOARD_CACHE_SECONDS = 60


def stage_counts(user) -> list[dict]:
    """Customers per lifecycle stage within the user's scope, in funnel order.

    Grouping a multi-million-row table is not free, so the figures are cached for a minute per
    user: the dashboard is glanced at on every login, not watched.
    """
    key = f"guanxi:dashboard:stages:{user.pk}"
    counts = cache.get(key)
    if counts is None:
        rows = Customer.objects.restrict(user, "view").order_by().values("lifecycle_stage").annotate(n=Count("pk"))
        counts = {row["lifecycle_stage"]: row["n"] for row in rows}
        cache.set(key, counts, DASHBOARD_CACHE_SECONDS)
    largest = max(counts.values(), default=0) or 1
    return [
        {"code": code, "label": label, "count": counts.get(code, 0), "percent": round(100 * counts.get(code, 0) / largest)}
        for code, label in Stage.choices
    ]


@login_required
def home(request):
    stages = stage_counts(request.user)
    total = sum(stage["count"] for stage in stages)
    return render(request, "core/home.html", {"stages": stages, "total_customers": total})
