"""Features per customer, as SQL over the warehouse views (plain module: no Django).

The statements use only what DuckDB and Spark SQL share (dates are day numbers, no QUALIFY, no
engine-specific functions), so the same text runs on either engine over the same Parquet.

A transaction is an interaction with an amount of a customer still on file. It is a sale when the
customer's ownership of the vehicle it concerns began that day (a new car, a fleet order, a used
car), otherwise it is service spend (maintenance, repair, parts).
"""

TRANSACTIONS = """
CREATE OR REPLACE TEMPORARY VIEW transactions AS
SELECT i.customer_id, i.occurred_day AS day, i.amount,
       CASE WHEN o.id IS NULL THEN 'service' ELSE 'sale' END AS kind
FROM fact_interaction i
JOIN dim_customer c ON c.id = i.customer_id AND c.active
LEFT JOIN bridge_ownership o
  ON o.customer_id = i.customer_id AND o.vehicle_id = i.vehicle_id AND o.start_day = i.occurred_day
WHERE i.amount > 0
"""

# One row per customer who bought anything up to the day {as_of} (a day number). Purchases are
# counted per day, as BG/NBD expects: x = days with a purchase after the first, t_x = days from the
# first to the last, T = days from the first to {as_of}; repeat_profit is the mean profit of those later
# days (spend times the margin of its kind), which lifetime value is counted in. For the quantified
# evaluation: days with a car bought, days with paid service in the last two years, how many customers on
# file by then they referred, and how many owners' club events they took part in over the last two years.
CUSTOMER_SUMMARY = """
WITH spent AS (
    SELECT customer_id, day, SUM(amount) AS spend,
           SUM(CASE WHEN kind = 'sale' THEN amount ELSE 0 END) AS sale_spend,
           SUM(CASE WHEN kind = 'service' THEN amount ELSE 0 END) AS service_spend
    FROM transactions WHERE day <= {as_of}
    GROUP BY customer_id, day
), days AS (
    SELECT spent.*, sale_spend * {sale_margin} + service_spend * {service_margin} AS profit FROM spent
), firsts AS (
    SELECT customer_id, MIN(day) AS first_day FROM days GROUP BY customer_id
), referred AS (
    SELECT referred_by_id, COUNT(*) AS referrals FROM dim_customer
    WHERE active AND referred_by_id IS NOT NULL AND created_day <= {as_of}
    GROUP BY referred_by_id
), club AS (
    SELECT customer_id, COUNT(*) AS club_events_2y FROM fact_interaction
    WHERE channel = 'event' AND occurred_day <= {as_of} AND occurred_day > {as_of} - 730
    GROUP BY customer_id
)
SELECT d.customer_id,
       COUNT(*) - 1 AS repeat_purchases,
       MAX(d.day) - f.first_day AS last_after_first,
       {as_of} - f.first_day AS age,
       {as_of} - MAX(d.day) AS recency_days,
       COUNT(*) AS purchase_days,
       SUM(d.spend) AS spend,
       SUM(d.sale_spend) AS sale_spend,
       SUM(d.service_spend) AS service_spend,
       SUM(d.profit) AS profit,
       COALESCE(SUM(CASE WHEN d.day > f.first_day THEN d.profit ELSE 0 END) / NULLIF(COUNT(*) - 1, 0), 0)
           AS repeat_profit,
       SUM(CASE WHEN d.sale_spend > 0 THEN 1 ELSE 0 END) AS sale_days,
       SUM(CASE WHEN d.service_spend > 0 AND d.day > {as_of} - 730 THEN 1 ELSE 0 END) AS service_days_2y,
       COALESCE(r.referrals, 0) AS referrals,
       COALESCE(c.club_events_2y, 0) AS club_events_2y
FROM days d JOIN firsts f ON f.customer_id = d.customer_id
LEFT JOIN referred r ON r.referred_by_id = d.customer_id
LEFT JOIN club c ON c.customer_id = d.customer_id
GROUP BY d.customer_id, f.first_day, r.referrals, c.club_events_2y
ORDER BY d.customer_id
"""


def customer_summary(as_of_day: int, margins: dict[str, float]) -> tuple[tuple[str, ...], str]:
    """The statements that prepare the views, and the query of one row per customer as of the day;
    `margins` are the gross margins of a sale and of service spend."""
    query = CUSTOMER_SUMMARY.format(as_of=int(as_of_day), sale_margin=float(margins["sale"]),
                                    service_margin=float(margins["service"]))
    return (TRANSACTIONS,), query


# Owners as of the day {cutoff}: customers still on file who owned a car then. Their behaviour up to
# that day, and what they did afterwards: whether they churned (no paid service visit in the
# {churn_horizon} days that followed) and whether they replaced their car (a new car, first registered
# to them, in the {repurchase_horizon} days that followed); NULL while those days are not over. Months are
# 30.44 days; amounts are CNY. Fractions are written as doubles (30.44e0): Spark reads 30.44 as a
# decimal and would round the quotient. A car's mileage on the cut-off day is its odometer's yearly
# pace (the reading on file over the car's age on {as_of}) times its age then: the warehouse keeps one
# reading per car, and a driver's pace changes far less than the car's age.
OWNERS = """
WITH owned AS (
    SELECT o.customer_id, COUNT(*) AS cars, MAX(o.start_day) AS newest_car_day,
           MIN(COALESCE(v.purchase_day, o.start_day)) AS oldest_car_day,
           MAX(v.warranty_end_day) AS warranty_end_day,
           MAX(v.mileage_km * 1e0 / NULLIF({as_of} - COALESCE(v.purchase_day, o.start_day), 0)
               * ({cutoff} - COALESCE(v.purchase_day, o.start_day))) AS mileage_km
    FROM bridge_ownership o JOIN dim_vehicle v ON v.id = o.vehicle_id
    WHERE o.start_day <= {cutoff} AND (o.end_day IS NULL OR o.end_day > {cutoff})
    GROUP BY o.customer_id
), service AS (
    SELECT customer_id,
           MAX(CASE WHEN day <= {cutoff} THEN day END) AS last_service_day,
           SUM(CASE WHEN day > {cutoff} - 365 AND day <= {cutoff} THEN 1 ELSE 0 END) AS service_visits_1y,
           SUM(CASE WHEN day > {cutoff} - 730 AND day <= {cutoff} THEN 1 ELSE 0 END) AS service_visits_2y,
           SUM(CASE WHEN day > {cutoff} - 730 AND day <= {cutoff} THEN amount ELSE 0 END) AS service_spend_2y,
           SUM(CASE WHEN day <= {cutoff} THEN 1 ELSE 0 END) AS service_visits,
           MIN(CASE WHEN day <= {cutoff} THEN day END) AS first_service_day,
           SUM(CASE WHEN day > {cutoff} AND day <= {cutoff} + {churn_horizon} THEN 1 ELSE 0 END) AS visits_after
    FROM transactions WHERE kind = 'service'
    GROUP BY customer_id
), contacts AS (
    SELECT customer_id,
           SUM(CASE WHEN direction = 'in' THEN 1 ELSE 0 END) AS inbound_1y,
           SUM(CASE WHEN direction = 'out' THEN 1 ELSE 0 END) AS outbound_1y
    FROM fact_interaction  -- an owners' club event is influence (the evaluation), not a contact
    WHERE occurred_day > {cutoff} - 365 AND occurred_day <= {cutoff} AND channel <> 'event'
    GROUP BY customer_id
), replaced AS (
    SELECT DISTINCT o.customer_id
    FROM bridge_ownership o JOIN dim_vehicle v ON v.id = o.vehicle_id
    WHERE o.start_day > {cutoff} AND o.start_day <= {cutoff} + {repurchase_horizon}
      AND o.start_day = COALESCE(v.purchase_day, o.start_day)
)
SELECT c.id AS customer_id, c.segment,
       (({cutoff}) - COALESCE(s.last_service_day, w.newest_car_day)) / 30.44e0 AS months_since_service,
       COALESCE(s.service_visits_1y, 0) AS service_visits_1y,
       COALESCE(s.service_visits_2y, 0) AS service_visits_2y,
       COALESCE(s.service_spend_2y, 0) AS service_spend_2y,
       -- how overdue the next visit is against the owner's own rhythm: months since the last visit
       -- divided by the mean months between their visits so far (NULL before a second visit)
       (({cutoff}) - s.last_service_day) * (s.service_visits - 1) / NULLIF(s.last_service_day - s.first_service_day, 0)
           AS overdue_ratio,
       ({cutoff} - w.newest_car_day) / 365.25e0 AS car_age_years,
       ({cutoff} - w.oldest_car_day) / 365.25e0 AS oldest_car_years,
       w.mileage_km,
       w.cars,
       (w.warranty_end_day - {cutoff}) / 30.44e0 AS warranty_months_left,
       COALESCE(k.inbound_1y, 0) AS inbound_1y,
       COALESCE(k.outbound_1y, 0) AS outbound_1y,
       CASE WHEN {cutoff} + {churn_horizon} > {as_of} THEN NULL
            WHEN COALESCE(s.visits_after, 0) = 0 THEN 1 ELSE 0 END AS churned,
       CASE WHEN {cutoff} + {repurchase_horizon} > {as_of} THEN NULL
            WHEN r.customer_id IS NULL THEN 0 ELSE 1 END AS replaced
FROM owned w
JOIN dim_customer c ON c.id = w.customer_id AND c.active
LEFT JOIN service s ON s.customer_id = w.customer_id
LEFT JOIN contacts k ON k.customer_id = w.customer_id
LEFT JOIN replaced r ON r.customer_id = w.customer_id
ORDER BY c.id
"""
CHURN_HORIZON_DAYS = 548  # an owner is lost to the network after 18 months without a paid service visit
CHURN_FEATURES = ("segment", "months_since_service", "service_visits_2y", "service_spend_2y", "overdue_ratio",
                  "car_age_years", "cars", "warranty_months_left", "inbound_1y", "outbound_1y")
# A year ahead: far enough for a dealer to win the sale (DOMAIN.md: a dealer who learns of an intention
# after five months rarely controls it), near enough for the car's age and mileage to tell.
REPURCHASE_HORIZON_DAYS = 365
# No lifecycle stage: the warehouse holds today's stage, which for the past cut-offs the model learns
# from would give the answer away (an owner who replaced their car since is "loyal" now). What the
# stage meant then is in the features already: cars owned, months since the last service.
REPURCHASE_FEATURES = ("segment", "oldest_car_years", "mileage_km", "months_since_service", "service_visits_1y",
                       "service_visits_2y", "service_spend_2y", "warranty_months_left", "cars")
OWNER_CATEGORIES = ("segment",)


def owners(cutoff_day: int, as_of_day: int) -> str:
    """The owners' features as of `cutoff_day` and, where `as_of_day` already tells, what they did since."""
    return OWNERS.format(cutoff=int(cutoff_day), as_of=int(as_of_day), churn_horizon=CHURN_HORIZON_DAYS,
                         repurchase_horizon=REPURCHASE_HORIZON_DAYS)
