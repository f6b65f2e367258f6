"""Finding a demo customer's ID number again from what is stored: the birth date in clear, the
mask's last two characters and the keyed hash leave a few hundred candidates per city."""

import datetime as dt

from stdnum.cn import ric

from guanxi.customers.normalize import hash_national_id
from guanxi.demo.catalog import ID_REGIONS


def recover_national_id(hashed: str, masked: str, birth_date: dt.date, city_name: str, key: str) -> str | None:
    """The number whose keyed hash is `hashed`, born in the city on the date; None if there is none."""
    for region in ID_REGIONS[city_name]:
        for first_two in range(100):
            number = f"{region.code}{birth_date:%Y%m%d}{first_two:02d}{masked[-2]}{masked[-1]}"
            if ric.calc_check_digit(number) == masked[-1] and hash_national_id(number, key) == hashed:
                return number
    return None
