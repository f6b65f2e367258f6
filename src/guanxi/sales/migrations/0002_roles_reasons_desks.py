"""The sales roles' permissions, head office's first list of lost reasons, and a desk for every
dealer already there (new dealers get theirs when saved: sales.desks). Service advisors get no
lead rights yet: a lead from a service visit comes with the service app (issue 10)."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

LEAD_ALL = ("view", "add", "change", "assign", "export")
HQ_SALES = {"lead": LEAD_ALL, "distributionrule": ("view", "add", "change", "delete"), "dealerdesk": ("view", "change")}
GRANTS = {
    "admin": HQ_SALES,
    "hq_sales": HQ_SALES,
    "hq_marketing": {"lead": ("view", "add", "export")},
    "analyst": {"lead": ("view", "export")},
    "agent": {"lead": ("view", "add")},
    "supervisor": {"lead": ("view", "add", "change", "export")},
    "dealer_manager": {"lead": ("view", "add", "change", "export"), "distributionrule": ("view",),
                       "dealerdesk": ("view", "change")},
    "dealer_sales": {"lead": ("view", "add", "change")},
}
LOST_REASONS = [
    ("price", "价格不合适", "Price"),
    ("bought_competitor", "购买了竞品", "Bought a competitor's car"),
    ("bought_elsewhere", "在其他经销商购买", "Bought from another dealer"),
    ("no_longer_interested", "不再有购车意向", "No longer wants to buy"),
    ("unreachable", "联系不上", "Could not be reached"),
    ("financing_refused", "贷款未获批准", "Financing refused"),
    ("delivery_time", "交车时间太长", "Delivery takes too long"),
    ("duplicate", "重复线索", "Duplicate lead"),
]


def seed(apps, schema_editor):
    seed_role_permissions(apps, "sales", GRANTS)
    LostReason = apps.get_model("sales", "LostReason")
    for code, name, name_en in LOST_REASONS:
        LostReason.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    OrgUnit = apps.get_model("core", "OrgUnit")
    DealerDesk = apps.get_model("sales", "DealerDesk")
    DealerDesk.objects.bulk_create(
        [DealerDesk(dealer_id=pk) for pk in OrgUnit.objects.filter(kind="dealer").values_list("pk", flat=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0001_initial"),
        ("core", "0003_memberships"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
