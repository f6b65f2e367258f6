"""`guanxi rebuild_funnel_cells`: the funnel's cells added up again from the deals (PostgreSQL).

The trigger keeps them in every transaction that writes deals; what bypasses triggers (a
data-only restore with triggers disabled, session_replication_role = replica) leaves them wrong
until this is run. Writers wait while it runs (a SHARE lock on the deals); readers do not."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from guanxi.sales.models import FunnelCell


class Command(BaseCommand):
    help = "Add up the funnel's cells again from the deals (PostgreSQL only)."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The funnel's cells are kept on PostgreSQL only; SQLite reads the deals.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("LOCK TABLE sales_opportunity IN SHARE MODE")
            cursor.execute("SELECT sales_funnel_cells_rebuild()")
        self.stdout.write(f"{FunnelCell.objects.filter(deals__gt=0).count():,} cells rebuilt from the deals.")
