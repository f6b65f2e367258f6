"""Which dealer a new lead or opportunity belongs to, from who makes it: head office and the call
center may name any dealer (or leave a lead to the rules); a dealer's people work for their own
dealer; a region's people name one of theirs."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.scoping import EVERYWHERE, reach


def dealer_for(user, permission_key: str, named) -> tuple[int | None, bool]:
    """(the dealer, whether it is one of the user's own); (None, False) when the user sees
    everywhere and named none. A dealer outside the user's reach, or an unknown one, is refused
    with the same words (ids of other dealers leak nothing)."""
    where = reach(user, permission_key, "add")
    dealers = OrgUnit.objects.filter(kind=OrgUnitKind.DEALER)
    if where != EVERYWHERE:
        dealers = dealers.filter(pk__in=where)
    if named is not None:
        if not dealers.filter(pk=named).exists():
            raise ValidationError({"dealer_id": _("No such dealer, or not one you work for.")})
        return int(named), where != EVERYWHERE
    if where == EVERYWHERE:
        return None, False
    own = list(dealers.values_list("pk", flat=True)[:2])
    if len(own) > 1:
        raise ValidationError({"dealer_id": _("Choose which of your dealers it is for.")})
    return (own[0], True) if own else (None, False)
