"""The leads card of the customer 360 page: the customer's latest leads the user may see (a dealer
sees its own, head office all), and a link to capture a new one (an owner asking about a new car)."""

from guanxi.core.scoping import may
from guanxi.sales.models import Lead

SHOWN = 3


def leads_card(user, customer) -> dict | None:
    may_add = may(user, Lead.permission_key, "add") and customer.erased_at is None
    shown = list(Lead.objects.restrict(user).filter(customer=customer).select_related("dealer")
                 .order_by("-id")[:SHOWN])
    if not shown and not may_add:
        return None
    return {"leads": shown, "may_add_lead": may_add, "customer": customer}
