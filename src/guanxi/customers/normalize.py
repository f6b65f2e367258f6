"""Normalising and checking identifiers customers are looked up by. No Django models (Django's
e-mail validator is used as it is).

Each function returns the canonical form or raises InvalidValue with a message for the user;
the canonical form is what is stored in indexed columns, so a lookup is one index probe.
"""

import hashlib
import hmac
import re

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError


class InvalidValue(ValueError):
    pass


def normalize_phone(raw: str, region: str = "CN") -> str:
    """E.164, e.g. "138 0013 8000" -> "+8613800138000"."""
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_key(raw: str, region: str = "CN") -> str:
    """The E.164 form a phone number is stored under, for looking it up: parsed as normalize_phone
    parses it, not validated (an invalid number was never stored, so it simply finds nothing, and
    the check is a third of the cost of the lookup's number handling)."""
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"not a phone number: {raw!r}") from exc
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    return bool(re.fullmatch(r"\+?[\d\s\-()]{7,20}", text.strip()))


def normalize_email(raw: str) -> str:
    """Lower case without surrounding spaces, checked by Django's own e-mail validator; a line
    break or another control character is refused, not trimmed (`a@b.c\n` once went in as typed)."""
    email = str(raw).strip(" ").lower()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise InvalidValue(f"not an email address: {raw!r}") from exc
    return email


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9))),
    **dict(zip("JKLMN", range(1, 6))),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10))),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    """ISO 3779 / GB 16735 check digit (position 9) of a 17-character VIN."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_vin(raw: str) -> str:
    vin = re.sub(r"[\s-]", "", str(raw)).upper()
    if len(vin) != 17:
        raise InvalidValue(f"a VIN has 17 characters, this has {len(vin)}")
    bad = sorted({c for c in vin if c not in _VIN_VALUES})
    if bad:
        raise InvalidValue(f"a VIN cannot contain {''.join(bad)} (I, O and Q are never used)")
    if vin_check_digit(vin) != vin[8]:
        raise InvalidValue(f"VIN check digit is {vin[8]}, expected {vin_check_digit(vin)}")
    return vin


_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}$")


def normalize_plate(raw: str) -> str:
    """Chinese plate, e.g. "沪A·12345" -> "沪A12345" (6 characters after the letter for new-energy plates)."""
    plate = re.sub(r"[\s·.\-]", "", str(raw)).upper()
    if not _PLATE.match(plate):
        raise InvalidValue(f"not a Chinese licence plate: {raw!r}")
    return plate


def looks_like_plate(text: str) -> bool:
    return bool(_PLATE.match(re.sub(r"[\s·.\-]", "", text).upper()))


_LOCAL_PLATE = re.compile(r"^[A-Z][A-Z0-9]{5,6}$")


def local_plate(text: str) -> str | None:
    """A plate typed without its province character ("A12345", "a·12345"), as stored after it."""
    plate = re.sub(r"[\s·.\-]", "", text).upper()
    return plate if _LOCAL_PLATE.match(plate) and any(c.isdigit() for c in plate) else None


def check_national_id(raw: str) -> str:
    """A PRC resident identity number with a valid date and check digit."""
    try:
        return ric.validate(str(raw).strip().upper())
    except StdnumError as exc:
        raise InvalidValue(f"not a valid resident ID number ({exc.message})") from exc


def hash_national_id(number: str, key: str) -> str:
    """Keyed hash: finds a customer by ID number without storing the number."""
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()


def mask_national_id(number: str) -> str:
    """Only the last two characters: digits 7–14 are the birth date, which the CRM keeps in clear,
    so showing the usual first-4/last-4 would leave two unknown digits and give the number away."""
    return "*" * (len(number) - 2) + number[-2:]
