"""Amounts of money as each language writes them: ¥1,234.00 in Chinese, CNY 1,234.00 in English
(the ISO code, which no English reader mistakes for yen); another currency is written with its
code in both."""

from decimal import Decimal

from django.utils.numberformat import format as format_number
from django.utils.translation import get_language

SYMBOLS_IN_CHINESE = {"CNY": "¥"}


def money(amount, currency: str) -> str:
    if amount is None or amount == "":
        return "—"
    value = Decimal(str(amount))
    figure = format_number(abs(value), ".", 2, 3, ",", force_grouping=True)
    sign = "-" if value < 0 else ""
    symbol = SYMBOLS_IN_CHINESE.get(currency) if (get_language() or "").startswith("zh") else None
    return f"{sign}{symbol}{figure}" if symbol else f"{sign}{currency} {figure}"
