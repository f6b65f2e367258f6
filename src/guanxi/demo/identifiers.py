"""Unique identifiers derived from a row's id: mobile numbers, VINs, plates, e-mail and WeChat IDs.

Each is a bijection of the customer or vehicle id, not a random draw, so that loading the
demo again (appending customers with higher ids) can never produce a phone number or a VIN
that is already taken, without asking the database. The ids are scrambled by multiplying
with a number coprime to the range, so neighbouring customers do not get neighbouring numbers.
"""

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


def email_for(latin_name: str, customer_id: int, domain: str) -> str:
    return f"{latin_name.replace(' ', '').lower()}{customer_id}@{domain}"


def wechat_id_for(latin_name: str, customer_id: int) -> str:
    return f"{latin_name.split(' ')[0].lower()}_{_scramble(customer_id, 10**9):09d}"
