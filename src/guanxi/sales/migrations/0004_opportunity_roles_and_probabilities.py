"""Who works deals (dealers open and move their own, head office sees all and sets the stage
probabilities), and the probabilities the seeds' funnel starts from."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

DEAL_ALL = ("view", "add", "change", "export")
GRANTS = {
    "admin": {"opportunity": DEAL_ALL, "stageprobability": ("view", "change")},
    "hq_sales": {"opportunity": DEAL_ALL, "stageprobability": ("view", "change")},
    "hq_marketing": {"opportunity": ("view", "export"), "stageprobability": ("view",)},
    "analyst": {"opportunity": ("view", "export"), "stageprobability": ("view",)},
    "supervisor": {"opportunity": ("view",), "stageprobability": ("view",)},
    "dealer_manager": {"opportunity": DEAL_ALL, "stageprobability": ("view",)},
    "dealer_sales": {"opportunity": ("view", "add", "change"), "stageprobability": ("view",)},
}
PROBABILITIES = {"initial": 10, "intent": 30, "negotiation": 60, "contract": 90, "won": 100, "lost": 0}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "sales", GRANTS)
    StageProbability = apps.get_model("sales", "StageProbability")
    for stage, probability in PROBABILITIES.items():
        StageProbability.objects.get_or_create(stage=stage, defaults={"probability": probability})


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0003_opportunities"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
