"""Normalising and checking identifiers customers are looked up by. No Django models (Django's
e-mail validator is used as it is).

Each function returns the canonical form or raises InvalidValue with a message for the user;
the canonical form is what is stored in indexed columns, so a lookup is one index probe.
"""

import functools
import hashlib
import hmac
import re

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pypinyin import lazy_pinyin
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


def mask_phone(e164: str) -> str:
    """The last four digits, and the first three of an 11-digit mobile number (138****8000): enough
    to tell two customers apart who share the digits searched for, not enough to call them."""
    try:
        national = str(phonenumbers.parse(e164, None).national_number)
    except phonenumbers.NumberParseException:
        national = re.sub(r"\D", "", e164)
    return (national[:3] if len(national) >= 11 else "") + "****" + national[-4:]


def mask_email(email: str) -> str:
    """The first character of the mailbox and the whole domain (z***@qq.com)."""
    mailbox, _, domain = email.partition("@")
    return f"{mailbox[:1]}***@{domain}"


# --- names, as people type them: pinyin, initials, the given name -----------------------------

# Surnames read otherwise than the same character in ordinary text (单 shàn, not dān), and the
# compound ones, which also tell where the given name starts.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha", "乐": "yue",
    "覃": "qin", "缪": "miao", "盖": "ge", "种": "chong", "翟": "zhai", "秘": "bi", "繁": "po", "员": "yun",
    "长孙": "zhang sun", "尉迟": "yu chi", "万俟": "mo qi", "单于": "chan yu",
}
COMPOUND_SURNAMES = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "宇文", "长孙", "尉迟", "万俟", "夏侯",
    "司徒", "公孙", "轩辕", "端木", "西门", "南宫", "独孤", "申屠", "单于", "闻人", "澹台", "公羊",
}


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def is_chinese(text: str) -> bool:
    """Only Chinese characters (the common block), at least one."""
    return bool(text) and all(_is_han(char) for char in text)


@functools.lru_cache(maxsize=20_000)
def _syllable(char: str) -> str:
    """One character's everyday reading, without tone ("李" -> "li"); other characters stay."""
    return lazy_pinyin(char)[0].lower() if _is_han(char) else char.lower()


def split_person_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a Chinese person's name; ("", name) when it is not one."""
    name = name.strip()
    if len(name) < 2 or not is_chinese(name):
        return "", name
    cut = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:cut], name[cut:]


def name_search_keys(name: str, is_person: bool) -> tuple[str, str, str]:
    """(pinyin, initials, given name) of a name, the keys it is found by: 李超 -> ("lichao", "lc",
    "超"). A person's name is read character by character, its surname as a surname; a company's
    as text (pypinyin's phrases: 银行 is yinhang), as is a name in Latin letters (John Smith ->
    "johnsmith", "js"). Letters and digits stay, other signs go."""
    surname, given = split_person_name(name) if is_person else ("", "")
    if surname:
        read_as = SURNAME_READINGS.get(surname)
        syllables = read_as.split() if read_as else [_syllable(char) for char in surname]
        syllables += [_syllable(char) for char in given]
    else:  # a company, or a name in Latin letters: words and phrases
        given, syllables = "", [word.lower() for part in lazy_pinyin(name) for word in part.split()]
    syllables = [re.sub(r"[^0-9a-z]", "", syllable) for syllable in syllables]
    syllables = [syllable for syllable in syllables if syllable]
    return "".join(syllables)[:100], "".join(syllable[0] for syllable in syllables)[:30], given[:30]


def pinyin_query(text: str) -> str | None:
    """What someone typed as pinyin ("Li Chao", "lichao", "lc"), as stored; None if it is not."""
    compact = re.sub(r"[\s'·.\-]", "", text).lower()
    return compact if 2 <= len(compact) <= 60 and compact.isascii() and compact.isalpha() else None
