"""Where business apps plug into the shell, NetBox style: core imports no business app.

Each app registers, in its AppConfig.ready(), the menu entries and home-page widgets it brings
(later also search providers and 360-page cards). Every entry names the permission it needs,
so the menu never shows a dead end and a widget never shows what the user may not read.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    icon: str
    needs: tuple[str, str] | None  # (model key, action) for core.scoping.may, or None for everyone
    order: int = 100


@dataclass(frozen=True)
class HomeWidget:
    """A card of the home page: `context(user)` feeds `template`."""

    name: str
    template: str
    context: Callable[[object], dict]
    needs: tuple[str, str] | None
    order: int = 100


@dataclass
class Registry:
    menu: list[MenuItem] = field(default_factory=list)
    home_widgets: list[HomeWidget] = field(default_factory=list)

    def add_menu_item(self, item: MenuItem) -> None:
        self.menu = sorted([*self.menu, item], key=lambda entry: entry.order)

    def add_home_widget(self, widget: HomeWidget) -> None:
        self.home_widgets = sorted([*self.home_widgets, widget], key=lambda entry: entry.order)


registry = Registry()
