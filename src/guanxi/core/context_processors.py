"""What every page of the shell needs: the user's unit, role and menu."""

from guanxi.core.menu import menu_for


def shell(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"menu": menu_for(user)}
