"""What a user sees of the two fields that together make up a resident ID number.

An 18-character PRC ID number is 6 digits of region, 8 of birth date, 3 of sequence (the last of
them odd for men) and a check character. Guanxi stores the number only as a keyed hash and a mask
of its last two characters; the birth date is a field of its own. A user who sees the full birth
date, the mask and the customer's county has about 100 sequence numbers left to try, so the two
are shown together only to roles that confirm a caller's identity with them (call-center agents
and supervisors, administrators: the permission "customers.identify_customer").

Everybody else (dealers, service stations, marketing, analysts) sees the birth year and only
whether an ID number is on file. Knowing the county, the year and the gender leaves
365 × 500 = 182,500 candidates, and searches by ID number are limited per user and hour
(customers.services.guard_national_id_lookup): trying them one by one would take decades.
Search results show names, never an identifier.
"""

from guanxi.core.scoping import may

IDENTIFY = ("customers.customer", "identify")


def may_identify(user) -> bool:
    return may(user, *IDENTIFY)


def visible_identity(customer, user) -> dict:
    """The birth date, or only its year, and the ID number's mask and its visible tail, or only
    whether one is on file."""
    birth, masked = customer.birth_date, customer.national_id_masked
    shown = {"birth_date": None, "birth_year": birth.year if birth else None, "national_id_masked": "",
             "national_id_tail": "", "national_id_on_file": bool(masked)}
    if may_identify(user):
        shown.update(birth_date=birth, national_id_masked=masked, national_id_tail=masked.lstrip("*"))
    return shown
