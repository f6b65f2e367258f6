"""The sales card of the customer 360 page: the customer's latest leads and deals the user may see
(a dealer sees its own, head office all), and links to capture a lead (an owner asking about a new
car) or open a deal."""

from guanxi.core.scoping import may
from guanxi.sales.models import Lead, Opportunity

SHOWN = 3


def sales_card(user, customer) -> dict | None:
    open_record = customer.erased_at is None
    may_add_lead = open_record and may(user, Lead.permission_key, "add")
    may_add_deal = open_record and may(user, Opportunity.permission_key, "add")
    leads = list(Lead.objects.restrict(user).filter(customer=customer).select_related("dealer")
                 .order_by("-id")[:SHOWN]) if may(user, Lead.permission_key, "view") else []
    deals = list(Opportunity.objects.restrict(user).filter(customer=customer).order_by("-id")[:SHOWN]
                 ) if may(user, Opportunity.permission_key, "view") else []
    if not (leads or deals or may_add_lead or may_add_deal):
        return None
    return {"leads": leads, "deals": deals, "may_add_lead": may_add_lead, "may_add_deal": may_add_deal,
            "customer": customer}
