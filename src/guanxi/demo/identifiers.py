"""Identifiers of the demo rows: mobile numbers, VINs, plates, e-mail and WeChat IDs; ID numbers.

Each is a bijection of the customer or vehicle id, not a random draw, so that loading the
demo again (appending customers with higher ids) can never produce a phone number or a VIN
that is already taken, without asking the database. The ids are scrambled by multiplying
with a number coprime to the range, so neighbouring customers do not get neighbouring numbers.
Resident ID numbers are the exception: like real ones they are made of the birth place, the
birth date and a sequence number, which the generator draws.
"""

import datetime as dt

from guanxi.customers.normalize import vin_check_digit

# Mainland mobile prefixes that libphonenumber accepts over their whole 8-digit range.
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "177", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "198", "199",
)
_PHONE_BODY = 10**8
_VIN_SERIAL = 10**6
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q
_PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"  # plates skip I and O
_PLATE_SPACE = len(_PLATE_CHARS) ** 5
WMI = "LSV"  # world manufacturer identifier: a Chinese joint-venture passenger-car maker


def _scramble(number: int, modulus: int, multiplier: int = 48_271, offset: int = 7_919) -> int:
    """A permutation of range(modulus): the multiplier is coprime with every modulus used here."""
    return (number * multiplier + offset) % modulus


def mobile_for(customer_id: int) -> str:
    """An 11-digit mainland mobile number, e.g. "13912345678"; unique for ids below 3.1 billion."""
    body, prefix = divmod(_scramble(customer_id, _PHONE_BODY * len(MOBILE_PREFIXES)), len(MOBILE_PREFIXES))
    return f"{MOBILE_PREFIXES[prefix]}{body:08d}"


def model_year_code(year: int) -> str:
    """VIN position 10: A=2010 … H=2017, J=2018 … Y=2030 (I, O, Q, U, Z and 0 are skipped)."""
    return "ABCDEFGHJKLMNPRSTVWXY"[year - 2010]


def vin_for(vehicle_id: int, vds: str, model_year: int) -> str:
    """A VIN with a valid check digit; unique per vehicle id below 33 million."""
    block, serial_index = divmod(vehicle_id, _VIN_SERIAL)
    plant = _VIN_CHARS[block % len(_VIN_CHARS)]
    serial = _scramble(serial_index, _VIN_SERIAL)
    vin = f"{WMI}{vds}0{model_year_code(model_year)}{plant}{serial:06d}"
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def plate_for(vehicle_id: int, prefix: str, new_energy: bool) -> str:
    """"沪A3K7Q9"; new-energy plates carry a sixth character starting with D (pure electric)."""
    number = _scramble(vehicle_id, _PLATE_SPACE, multiplier=7_919, offset=104_729)
    chars = []
    for _ in range(5):
        number, digit = divmod(number, len(_PLATE_CHARS))
        chars.append(_PLATE_CHARS[digit])
    return prefix + ("D" if new_energy else "") + "".join(chars)


def qq_number_for(customer_id: int) -> str:
    """A nine-digit QQ number, e.g. "483920175"; unique for ids below 900 million. The multiplier
    (about 0.618 of the range, coprime with it) spreads neighbouring ids over the whole range."""
    return str(10**8 + _scramble(customer_id, 9 * 10**8, multiplier=556_233_713))


def handle_digits_for(customer_id: int) -> str:
    """The digits people add to a taken handle ("wangfang" -> "wangfang48213"): five for the first
    100,000 ids, more after; distinct for distinct ids, so addresses ending in them are unique."""
    block, rest = divmod(customer_id, 10**5)
    return str(block * 10**5 + _scramble(rest, 10**5))


def handle_email_for(latin_name: str, customer_id: int, variant: int, domain: str) -> str:
    """"Wang Fang" -> "wangfang48213@163.com", "wang.fang48213@…", "wang_fang…", "wf…" or "fangwang…"
    (`variant` picks the handle): unique, since the address ends in the id's own digits after letters."""
    surname, _, given = latin_name.lower().partition(" ")
    handle = (f"{surname}{given}", f"{surname}.{given}", f"{surname}_{given}", f"{surname[0]}{given[0]}",
              f"{given}{surname}")[variant % 5]
    return f"{handle}{handle_digits_for(customer_id)}@{domain}"


def company_email_for(latin_name: str, city_name_en: str, customer_id: int, domain: str) -> str:
    """"Shanghai Hongda Logistics Co., Ltd." -> "hongdalogistics48213@163.com": small companies
    mostly use a free mailbox named after the firm."""
    firm = latin_name.removeprefix(city_name_en).removesuffix("Co., Ltd.")
    return f"{''.join(char for char in firm.lower() if char.isalnum())}{handle_digits_for(customer_id)}@{domain}"


def national_id_for(region: str, birth_date: dt.date, sequence: int) -> str:
    """An 18-character resident ID number (GB 11643): region code, birth date, a three-digit
    sequence number (odd for men, even for women) and the ISO 7064 MOD 11-2 check character."""
    body = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    check = (1 - 2 * int(body, 13)) % 11  # python-stdnum's formula: the weights are powers of 2 modulo 11
    return body + ("X" if check == 10 else str(check))


def wechat_id_for(latin_name: str, customer_id: int) -> str:
    return f"{latin_name.split(' ')[0].lower()}_{_scramble(customer_id, 10**9):09d}"
