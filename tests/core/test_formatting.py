"""Amounts and masked phone numbers as people read them, in each language."""

import pytest
from django.utils import translation

from guanxi.core.formatting import money
from guanxi.customers.normalize import mask_phone


@pytest.mark.parametrize("language, amount, currency, shown", [
    ("zh-hans", 1234, "CNY", "¥1,234.00"),
    ("zh-hans", "158200.5", "CNY", "¥158,200.50"),
    ("zh-hans", -1234.5, "CNY", "-¥1,234.50"),
    ("en", 1234, "CNY", "CNY 1,234.00"),
    ("en", -3, "USD", "-USD 3.00"),
    ("zh-hans", 0, "EUR", "EUR 0.00"),
    ("en", None, "CNY", "—"),
])
def test_money_reads_as_each_language_writes_it(language, amount, currency, shown):
    with translation.override(language):
        assert money(amount, currency) == shown


@pytest.mark.parametrize("number, shown", [
    ("+8613800138000", "138****8000"),  # a mobile number: prefix and last four
    ("+862161234567", "****4567"),  # a Shanghai landline: the area code and more would say too much
    ("+85291234567", "****4567"),  # Hong Kong's eight digits: only the last four
])
def test_a_masked_phone_shows_no_more_than_its_last_four_digits_and_a_mobile_prefix(number, shown):
    assert mask_phone(number) == shown
