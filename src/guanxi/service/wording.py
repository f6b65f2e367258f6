"""Why a work order is paid the way it is, in the reader's language: service.coverage gives
(code, figures) pairs, this words them (dates in the language's format, mileages grouped)."""

import datetime as dt

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _


def _day(iso: str) -> str:
    return date_format(dt.date.fromisoformat(iso), "SHORT_DATE_FORMAT")


def _km(value) -> str:
    return number_format(value, force_grouping=True)


WORDS = {
    "factory_warranty": lambda f: _("Factory warranty: until %(ends)s and %(max_km)s km; the car is at %(mileage)s km.")
    % {"ends": _day(f["ends"]), "max_km": _km(f["max_km"]), "mileage": _km(f["mileage"])},
    "no_warranty_date": lambda f: _("No factory warranty end is recorded for this car."),
    "warranty_ended": lambda f: _("The factory warranty ended on %(ends)s.") % {"ends": _day(f["ends"])},
    "warranty_km_over": lambda f: _("Over the factory warranty's %(max_km)s km (the car is at %(mileage)s km).")
    % {"max_km": _km(f["max_km"]), "mileage": _km(f["mileage"])},
    "maintenance_not_warranty": lambda f: _("Maintenance is not covered by the factory warranty."),
    "contract_not_started": lambda f: _("Contract %(number)s starts on %(starts)s.")
    % {"number": f["number"], "starts": _day(f["starts"])},
    "contract_ended": lambda f: _("Contract %(number)s ended on %(ends)s.") % {"number": f["number"],
                                                                               "ends": _day(f["ends"])},
    "contract_km_over": lambda f: _("Contract %(number)s covers up to %(max_km)s km (the car is at %(mileage)s km).")
    % {"number": f["number"], "max_km": _km(f["max_km"]), "mileage": _km(f["mileage"])},
    "contract_used_up": lambda f: _("Contract %(number)s has no visits left.") % {"number": f["number"]},
    "extended_warranty_pays": lambda f: _("Extended warranty %(number)s pays (until %(ends)s).")
    % {"number": f["number"], "ends": _day(f["ends"])},
    "maintenance_pays": lambda f: _("Maintenance package %(number)s pays (%(left)s visits left before this one).")
    % {"number": f["number"], "left": f["visits_left"]},
    "no_extended_warranty": lambda f: _("The car has no extended warranty."),
    "no_maintenance": lambda f: _("The car has no maintenance package."),
}


def coverage_in_words(reasons) -> list[str]:
    return [WORDS[code](figures) if code in WORDS else str(code) for code, figures in reasons]
