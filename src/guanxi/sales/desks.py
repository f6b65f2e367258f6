"""Every dealer has a sales desk row, so that its capacity, hours and record can be edited and
ranked: made for a new dealer when it is saved (and for existing ones by the app's migration)."""

from guanxi.core.models import OrgUnitKind
from guanxi.sales.models import DealerDesk


def open_desk_for_new_dealer(sender, instance, created, raw=False, **kwargs) -> None:
    if instance.kind == OrgUnitKind.DEALER and not raw:
        DealerDesk.objects.get_or_create(dealer=instance)
