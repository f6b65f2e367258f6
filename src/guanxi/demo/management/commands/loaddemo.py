"""`guanxi loaddemo`: top the database up to N customers of the synthetic automotive data set
(creates the demo org tree if missing); run again after an interruption, it finishes the job."""

from django.core.management.base import BaseCommand, CommandError

from guanxi.core.audit import Channel, audit_context
from guanxi.demo.loader import load_up_to
from guanxi.demo.management.commands._arguments import add_load_arguments


class Command(BaseCommand):
    help = "Top the database up to N synthetic customers with contacts, consents, vehicles and interactions."

    def add_arguments(self, parser):
        add_load_arguments(parser)

    def handle(self, customers, seed, no_progress=False, **options):
        if customers < 0:
            raise CommandError("--customers must be 0 or more")
        with audit_context(channel=Channel.IMPORT):
            report = load_up_to(customers, seed, progress=not no_progress)
        self.stdout.write(report.summary() if report else f"the database holds {customers:,} customers or more "
                                                           "already: nothing to load")
