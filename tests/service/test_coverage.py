"""Who pays for a work order, decided from the car's warranty and contracts, with every reason."""

import datetime as dt

from guanxi.service import coverage
from guanxi.service.coverage import Terms

DAY = dt.date(2026, 6, 1)


def test_a_repair_within_date_and_mileage_is_the_factorys():
    decision = coverage.decide("repair", DAY, 42_000, dt.date(2027, 5, 1))
    assert decision.billing == "warranty" and decision.contract_id is None
    assert decision.reasons == [("factory_warranty", {"ends": "2027-05-01", "max_km": 100_000, "mileage": 42_000})]


def test_over_the_mileage_an_extended_warranty_pays_and_the_reasons_say_why():
    extended = Terms(7, "extended_warranty", "EW-7", dt.date(2026, 1, 1), dt.date(2028, 1, 1), max_km=150_000)
    decision = coverage.decide("repair", DAY, 120_000, dt.date(2027, 5, 1), [extended])
    assert (decision.billing, decision.contract_id) == ("contract", 7)
    assert [code for code, _figures in decision.reasons] == ["warranty_km_over", "extended_warranty_pays"]


def test_the_customer_pays_when_nothing_covers_and_every_option_is_ruled_out_by_name():
    ended = Terms(1, "extended_warranty", "EW-1", dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    too_far = Terms(2, "extended_warranty", "EW-2", dt.date(2026, 1, 1), dt.date(2029, 1, 1), max_km=100_000)
    decision = coverage.decide("repair", DAY, 130_000, dt.date(2025, 3, 1), [too_far, ended])
    assert decision.billing == "paid"
    assert decision.reasons == [
        ("warranty_ended", {"ends": "2025-03-01"}),
        ("contract_ended", {"number": "EW-1", "ends": "2025-12-31"}),
        ("contract_km_over", {"number": "EW-2", "max_km": 100_000, "mileage": 130_000}),
    ]


def test_maintenance_is_paid_by_the_package_ending_first_with_visits_left():
    used_up = Terms(3, "maintenance", "MP-3", dt.date(2025, 1, 1), dt.date(2026, 12, 31), visits_left=0)
    later = Terms(4, "maintenance", "MP-4", dt.date(2026, 1, 1), dt.date(2028, 12, 31), visits_left=2)
    sooner = Terms(5, "maintenance", "MP-5", dt.date(2026, 1, 1), dt.date(2027, 6, 30), visits_left=1)
    decision = coverage.decide("maintenance", DAY, 20_000, dt.date(2028, 1, 1), [later, used_up, sooner])
    assert (decision.billing, decision.contract_id) == ("contract", 5)
    assert decision.reasons[0] == ("maintenance_not_warranty", {})
    assert ("contract_used_up", {"number": "MP-3"}) in decision.reasons
    alone = coverage.decide("maintenance", DAY, 20_000, dt.date(2028, 1, 1))
    assert alone.billing == "paid" and alone.reasons[-1] == ("no_maintenance", {})
