"""Where business apps plug into the shell, NetBox style: core imports no business app.

Each app registers, in its AppConfig.ready(), the menu entries, home-page widgets, domain-event
consumers and customer 360 cards it brings (later also search providers). Every entry names the
permission it needs, so the menu never shows a dead end and a widget never shows what the user may not read.
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


@dataclass(frozen=True)
class ProfileCard:
    """A part of the customer 360 page: `context(user, customer)` feeds `template`, or returns None
    when the card has nothing to show for this customer."""

    name: str
    template: str
    context: Callable[[object, object], dict | None]
    needs: tuple[str, str] | None
    order: int = 100


@dataclass(frozen=True)
class EventConsumer:
    """Reacts to domain events whose name starts with one of `events` ("customers.relationship.").

    `handle(event)` runs in a transaction with the consumer's receipt: its database effects
    happen once. Effects outside the database (a webhook) happen at least once, so they carry the
    event id for the receiver to drop repeats. `name` is stable: receipts are kept under it.
    """

    name: str
    events: tuple[str, ...]
    handle: Callable[[object], None]

    def wants(self, event_name: str) -> bool:
        return event_name.startswith(self.events)


@dataclass(frozen=True)
class ExportSpec:
    """A list that can be exported: the same restricted rows, filters and columns as its page.

    `refine` narrows the restricted queryset (joins); the table's columns are the file's columns
    (its `value_*` methods give plain values instead of the page's badges).
    """

    key: str
    model: type
    filterset_class: type
    table_class: type
    refine: Callable = staticmethod(lambda rows: rows)
    title: str = ""


@dataclass
class Registry:
    menu: list[MenuItem] = field(default_factory=list)
    home_widgets: list[HomeWidget] = field(default_factory=list)
    profile_cards: list[ProfileCard] = field(default_factory=list)
    event_consumers: list[EventConsumer] = field(default_factory=list)
    exports: dict[str, ExportSpec] = field(default_factory=dict)

    def add_export(self, spec: ExportSpec) -> None:
        self.exports[spec.key] = spec

    def add_event_consumer(self, consumer: EventConsumer) -> None:
        if any(known.name == consumer.name for known in self.event_consumers):
            raise ValueError(f"an event consumer is named {consumer.name!r} already")
        self.event_consumers = [*self.event_consumers, consumer]

    def add_menu_item(self, item: MenuItem) -> None:
        self.menu = sorted([*self.menu, item], key=lambda entry: entry.order)

    def add_profile_card(self, card: ProfileCard) -> None:
        self.profile_cards = sorted([*self.profile_cards, card], key=lambda entry: entry.order)

    def add_home_widget(self, widget: HomeWidget) -> None:
        self.home_widgets = sorted([*self.home_widgets, widget], key=lambda entry: entry.order)


registry = Registry()
