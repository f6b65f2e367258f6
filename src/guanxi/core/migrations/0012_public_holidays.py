"""China's public holidays and make-up working days from 2024 on, as far as the chinese_calendar
package knows them (to 2026 in its version 1.11); administrators keep the calendar from there
(next year's is published around November)."""

from chinese_calendar import constants
from django.db import migrations

from guanxi.core.roles import seed_role_permissions

FIRST_YEAR = 2024
CHINESE_NAMES = {  # the package's own are the short forms (清明, 端午, 中秋)
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "core", {"admin": {"calendarday": ("view", "add", "change", "delete")}})
    CalendarDay = apps.get_model("core", "CalendarDay")
    moved = [(day, False, name) for day, name in constants.holidays.items()]
    moved += [(day, True, name) for day, name in constants.workdays.items()]
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, working=working, name=CHINESE_NAMES.get(name) or constants.Holiday(name).chinese,
                    name_en=name)
        for day, working, name in sorted(moved)
        if day.year >= FIRST_YEAR
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0011_public_calendar"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
