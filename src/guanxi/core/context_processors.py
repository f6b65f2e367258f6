"""What every page of the shell needs: the menu (by role) with the current entry marked, and
where the user works in which role (the top bar)."""

from guanxi.core.menu import menu_for
from guanxi.core.models import Notification


def shell(request):
    """Computed once a request: tables and widgets render with the request again, which runs the
    context processors again."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    if not hasattr(request, "_guanxi_shell"):
        request._guanxi_shell = _shell(request, user)
    return request._guanxi_shell


def _shell(request, user) -> dict:
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    return {
        "menu": [{**item, "active": item["name"] == current} for item in menu_for(user)],
        "memberships": user.membership_labels,
        "unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }
