from guanxi.formats.common import *  # noqa: F403

DATE_FORMAT = SHORT_DATE_FORMAT = "j M Y"  # 26 Nov 2026
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
