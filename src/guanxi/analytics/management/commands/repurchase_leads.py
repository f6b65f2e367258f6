"""`guanxi repurchase_leads`: turn the owners likeliest to replace their car into leads now (the
worker does it nightly after scoring)."""

from django.core.management.base import BaseCommand, CommandError

from guanxi.analytics import repurchase


class Command(BaseCommand):
    help = "Hand the owners most likely to buy a new car within a year to their dealers as repurchase leads."

    def add_arguments(self, parser):
        parser.add_argument("--top", type=int, default=repurchase.DEFAULT_TOP,
                            help=f"at most this many leads (default {repurchase.DEFAULT_TOP})")
        parser.add_argument("--min-probability", type=float, default=repurchase.DEFAULT_MIN_PROBABILITY,
                            help=f"only owners at least this likely, 0 to 1 (default "
                                 f"{repurchase.DEFAULT_MIN_PROBABILITY})")

    def handle(self, top, min_probability, **options):
        if top < 1:
            raise CommandError("--top must be at least 1")
        if not 0 <= min_probability <= 1:
            raise CommandError(f"--min-probability {min_probability} is not between 0 and 1")
        handed = repurchase.create_repurchase_leads(top=top, min_probability=min_probability)
        self.stdout.write(f"{len(handed.leads):,} repurchase leads captured")
        if handed.no_model_on_sale:
            self.stdout.write(f"{handed.no_model_on_sale:,} owners left out: the catalog no longer sells their car")
