from guanxi.formats.common import *  # noqa: F403

DATE_FORMAT = SHORT_DATE_FORMAT = "Y-m-d"  # 2026-11-26
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"
