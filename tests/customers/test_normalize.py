"""Identifiers customers are found by: each bad form is refused with a reason, each good one has one canonical form."""

import pytest

from guanxi.customers import normalize as norm


@pytest.mark.parametrize(
    "raw, expected",
    [("138 0013 8000", "+8613800138000"), ("+86 138-0013-8000", "+8613800138000"), ("021 6888 8888", "+862168888888")],
)
def test_phone_numbers_become_e164(raw, expected):
    assert norm.normalize_phone(raw) == expected
    assert norm.phone_search_key(raw) == expected  # what a lookup searches is what was stored


@pytest.mark.parametrize("raw", ["12345", "not a phone", "138001380001234"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(norm.InvalidValue):
        norm.normalize_phone(raw)


def test_a_number_that_could_not_be_stored_is_searched_for_and_found_nowhere():
    key = norm.phone_search_key("138001380001234")
    with pytest.raises(norm.InvalidValue):
        norm.normalize_phone(key)  # no stored number has this form
    with pytest.raises(norm.InvalidValue):
        norm.phone_search_key("not a phone")


def test_vin_check_digit_is_verified():
    assert norm.normalize_vin("1m8gdm9axkp042788") == "1M8GDM9AXKP042788"
    with pytest.raises(norm.InvalidValue, match="check digit"):
        norm.normalize_vin("1M8GDM9A1KP042788")
    with pytest.raises(norm.InvalidValue, match="17 characters"):
        norm.normalize_vin("1M8GDM9AXKP04278")
    with pytest.raises(norm.InvalidValue, match="never used"):
        norm.normalize_vin("1M8GDM9AXKP04278O")


def test_plates_lose_separators_and_new_energy_plates_pass():
    assert norm.normalize_plate("沪A·12345") == "沪A12345"
    assert norm.normalize_plate("粤b d12345") == "粤BD12345"
    with pytest.raises(norm.InvalidValue):
        norm.normalize_plate("A12345")


def test_national_id_is_checked_hashed_and_masked_never_kept_clear():
    number = norm.check_national_id("11010519491231002x")
    assert norm.mask_national_id(number) == "****************2X"
    digest = norm.hash_national_id(number, "k1")
    assert number not in digest and len(digest) == 64
    assert digest != norm.hash_national_id(number, "k2")
    with pytest.raises(norm.InvalidValue):
        norm.check_national_id("110105194912310021")  # wrong check digit
    with pytest.raises(norm.InvalidValue):
        norm.check_national_id("110105194913310028")  # month 13


def test_emails_are_lowercased_and_checked():
    assert norm.normalize_email(" Zhang.Wei@Example.CN ") == "zhang.wei@example.cn"
    with pytest.raises(norm.InvalidValue):
        norm.normalize_email("zhang.wei@")


@pytest.mark.parametrize("name, is_person, keys", [
    ("李超", True, ("lichao", "lc", "超")),
    ("单雄信", True, ("shanxiongxin", "sxx", "雄信")),  # 单 read as a surname, not dān
    ("欧阳娜娜", True, ("ouyangnana", "oynn", "娜娜")),  # a compound surname: the given name is 娜娜
    ("中国银行上海分行", False, ("zhongguoyinhangshanghaifenhang", "zgyhshfh", "")),  # 银行 is yinhang
    ("John Smith", True, ("johnsmith", "js", "")),
])
def test_names_get_the_keys_people_type(name, is_person, keys):
    assert norm.name_search_keys(name, is_person) == keys
