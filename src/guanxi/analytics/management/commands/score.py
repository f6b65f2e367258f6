"""`guanxi score`: copy the warehouse and score every customer now (the worker does it nightly)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from guanxi.analytics import engines, scoring
from guanxi.core.jobs import as_job


class Command(BaseCommand):
    help = "Extract the warehouse and score all customers: RFM segment, value pyramid, lifetime value."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="copy the warehouse whole instead of what changed")
        parser.add_argument("--as-of", help="score as of this day (YYYY-MM-DD; default today)")

    def handle(self, full=False, as_of=None, **options):
        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise CommandError(f"--as-of {as_of!r} is not a date like 2026-11-26") from None
        if settings.GUANXI_ANALYTICS_ENGINE not in engines.ENGINES:
            raise CommandError(f"GUANXI_ANALYTICS_ENGINE={settings.GUANXI_ANALYTICS_ENGINE!r} is not one of "
                               f"{', '.join(engines.ENGINES)}")
        with as_job():
            runs = scoring.score_all(as_of=day, full_extract=full,
                                     progress=lambda step: self.stdout.write(f"… {step}"))
        for run in runs:
            outcome = f"{run.customers:,} customers" if run.state == run.State.PUBLISHED else run.message
            self.stdout.write(f"{run.get_model_display()}: {run.get_state_display()} ({outcome})")
