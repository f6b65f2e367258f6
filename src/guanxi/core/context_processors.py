"""What every page of the shell needs: the menu (by role) with the current entry marked, and
where the user works in which role (the top bar)."""

from guanxi.core.menu import menu_for


def shell(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    return {
        "menu": [{**item, "active": item["name"] == current} for item in menu_for(user)],
        "memberships": user.membership_labels,
    }
