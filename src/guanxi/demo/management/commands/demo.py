"""`guanxi demo`: make a ready-to-explore demo out of an empty data directory, and show the logins.

Each step is skipped when already done, so the command is safe to run again: migrate, build
the org tree, create one user per role (first, so that the interactions the load writes name
who at the dealer or the call center logged them), top the data set up to --customers (an
interrupted load is finished, a complete one left alone), plan each user a day of activities, set
up lead distribution and capture leads for prospects (worked by the dealers), open a month of
service tickets and work orders at the demo station, put the contact center's floor to work
(agents and the last hours of contacts, for the wallboard), and score the
customers once (the worker scores them again every night).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from guanxi.analytics.models import ScoringRun
from guanxi.core.audit import Channel, audit_context
from guanxi.demo.activities import plan_demo_days
from guanxi.demo.bookings import seed_demo_bookings
from guanxi.demo.floor import seed_demo_floor
from guanxi.demo.ivr import seed_demo_ivr
from guanxi.demo.knowledge import seed_knowledge
from guanxi.demo.leads import (
    capture_demo_leads,
    open_demo_deals,
    seed_catalog,
    seed_distribution_rules,
    seed_targets,
)
from guanxi.demo.loader import load_up_to
from guanxi.demo.management.commands._arguments import add_load_arguments
from guanxi.demo.orgtree import build_org_tree
from guanxi.demo.tickets import open_demo_tickets
from guanxi.demo.users import ensure_demo_users, format_logins
from guanxi.demo.workshop import answer_demo_surveys, open_demo_work_orders


class Command(BaseCommand):
    help = "Prepare the demo: migrate, org tree, demo data set (first run only), one login per role."

    def add_arguments(self, parser):
        add_load_arguments(parser)

    def handle(self, customers, seed, no_progress=False, **options):
        from guanxi.customers.models import Customer

        call_command("migrate", interactive=False, verbosity=0)
        with audit_context(channel=Channel.IMPORT):
            build_org_tree()
            logins = ensure_demo_users()
            have = Customer.objects.count()
            if have >= customers:
                self.stdout.write(f"{have:,} customers exist already: the demo data set is not loaded again")
            else:
                self.stdout.write(f"loading the demo data set: {customers - have:,} customers (seed {seed})")
                self.stdout.write(load_up_to(customers, seed, progress=not no_progress).summary())
            plan_demo_days([login.username for login in logins], seed)
            seed_distribution_rules()
            seed_catalog()
            capture_demo_leads(seed)
            open_demo_deals(seed)
            seed_targets()
            open_demo_tickets(seed)
            open_demo_work_orders(seed)
            answer_demo_surveys(seed)
            seed_demo_bookings(seed)
            seed_demo_floor(seed)
            seed_knowledge()
            seed_demo_ivr(seed)
        if not ScoringRun.objects.filter(state=ScoringRun.State.PUBLISHED).exists():
            call_command("score", stdout=self.stdout)
        self.stdout.write("\nDemo logins:\n" + format_logins(logins))
