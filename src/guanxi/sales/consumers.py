"""Who hears of what in sales (registered in apps.py): the dealer's people when a lead reaches it,
head office's assigners when a dealer misses a service level, the dealer's managers when a quote's
discount waits for their approval. Each in their own language, only about what they may see."""

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guanxi.core.notify import holders, notify
from guanxi.sales.models import Lead, Quote, QuoteStatus


def _holders(codename: str, where: Q | None = None):
    return holders("sales", codename, where)


def _lead(event):
    return Lead.objects.filter(pk=event.object_id).select_related("customer").first()


def notify_dealer_of_lead(event) -> None:
    """A lead handed to a dealer: its people who see leads hear of it, with the time to accept by."""
    dealer_id = event.payload["dealer_id"]
    if not Lead.objects.filter(pk=event.object_id, dealer_id=dealer_id, status="assigned").exists():
        return  # accepted or moved on before the news went out

    def title(lead):
        due = date_format(timezone.localtime(lead.accept_by), "SHORT_DATETIME_FORMAT") if lead.accept_by else ""
        return _("New lead: %(customer)s · %(model)s (accept by %(due)s)") % {
            "customer": lead.customer, "model": lead.model, "due": due}

    notify(event, _lead(event), _holders("view_lead", Q(org_unit_id=dealer_id)), title)


def notify_head_office_of_escalation(event) -> None:
    """A dealer missed a service level: those who hand leads out hear of it."""
    def title(lead):
        return _("Lead needs you: %(customer)s · %(model)s at %(dealer)s") % {
            "customer": lead.customer, "model": lead.model, "dealer": lead.dealer or "—"}

    notify(event, _lead(event), _holders("assign_lead", ~Q(org_unit__kind="dealer")), title)


def notify_approvers_of_discount(event) -> None:
    """A quote with a discount above the threshold: the dealer's managers who approve hear of it."""
    if event.payload.get("status") != QuoteStatus.AWAITING_APPROVAL:
        return
    quote = Quote.objects.filter(pk=event.object_id).select_related("opportunity__customer").first()
    if quote is None:
        return

    def title(quote):
        return _("Discount to approve: quote %(quote)s for %(customer)s") % {
            "quote": quote, "customer": quote.opportunity.customer}

    approvers = _holders("approve_quote", Q(org_unit_id=quote.opportunity.dealer_id))
    notify(event, quote, approvers, title)
