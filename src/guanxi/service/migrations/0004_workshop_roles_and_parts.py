"""The roles' work-order, contract, parts and stock permissions, and the demo network's first parts
catalog (common service parts at list price: a station receives its stock on the stock page)."""

from decimal import Decimal

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

WORKSHOP = {"workorder": ("view", "add", "change", "export"), "servicecontract": ("view", "add", "change"),
            "part": ("view",), "stock": ("view", "add", "change")}
GRANTS = {
    "admin": {**WORKSHOP, "part": ("view", "add", "change")},
    "service_advisor": WORKSHOP,
    "dealer_manager": WORKSHOP,
    "dealer_sales": {"servicecontract": ("view", "add"), "part": ("view",)},
    "agent": {"workorder": ("view",), "servicecontract": ("view",), "part": ("view",)},
    "supervisor": {"workorder": ("view", "export"), "servicecontract": ("view",), "part": ("view",),
                   "stock": ("view",)},
    "analyst": {"workorder": ("view", "export"), "servicecontract": ("view",), "part": ("view",), "stock": ("view",)},
}
PARTS = [
    ("06L115562", "机油滤清器", "Oil filter", "68.00"),
    ("G052195M4", "全合成机油 5W-30 (1L)", "Engine oil 5W-30 (1 l)", "98.00", "l"),
    ("5Q0129620D", "空气滤清器", "Air filter", "126.00"),
    ("5Q0819653", "空调滤清器", "Cabin air filter", "158.00"),
    ("5Q0698151", "前刹车片", "Front brake pads", "680.00"),
    ("5Q0615301F", "前刹车盘", "Front brake disc", "860.00"),
    ("101905601F", "火花塞", "Spark plug", "95.00"),
    ("000915105", "蓄电池 70Ah", "Battery 70 Ah", "1280.00"),
    ("5G0955427", "雨刮片", "Wiper blade", "145.00"),
    ("3C0121253", "冷却液 (1L)", "Coolant (1 l)", "62.00", "l"),
]


def seed(apps, schema_editor):
    seed_role_permissions(apps, "service", GRANTS)
    Part = apps.get_model("service", "Part")
    for code, name, name_en, price, *unit in PARTS:
        Part.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "price": Decimal(price),
                                                         "unit": unit[0] if unit else "pc"})


class Migration(migrations.Migration):

    dependencies = [
        ("service", "0003_workshop_and_parts"),
        ("core", "0003_memberships"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
