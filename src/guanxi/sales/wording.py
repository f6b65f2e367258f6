"""Why a lead went to its dealer, in the reader's language: distribution gives (code, value) pairs,
this words them."""

from django.utils.translation import gettext as _

WORDS = {
    "previous_dealer": lambda value: _("Repurchase: the dealer that sold the customer's last car."),
    "own_lead": lambda value: _("Captured by the dealer itself."),
    "chosen_by_hq": lambda value: _("Chosen by head office."),
    "chosen_at_capture": lambda value: _("Named when the lead was captured."),
    "no_rule": lambda value: _("No distribution rule matches: head office decides."),
    "rule": lambda value: _("Distribution rule: %(rule)s.") % {"rule": value},
    "all_full": lambda value: _("All %(count)s matching dealers are at capacity.") % {"count": value},
    "performance": lambda value: (_("Best follow-up record among the matching dealers (%(share)s%% of service "
                                    "levels met).") % {"share": round(value * 100)}) if value is not None
    else _("Best follow-up record among the matching dealers (no leads yet)."),
    "round_robin": lambda value: _("Next in turn among %(count)s equal dealers.") % {"count": value},
}


def reasons_in_words(reasons) -> list[str]:
    return [WORDS[code](value) if code in WORDS else str(code) for code, value in reasons]
