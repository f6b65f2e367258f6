"""`guanxi manage clusters`: copy the warehouse and cluster the customers now, and say what each
cluster is (the worker clusters them nightly with the other models)."""

from django.core.management.base import BaseCommand
from django.utils.formats import number_format

from guanxi.analytics import scoring
from guanxi.analytics.cards import cluster_name
from guanxi.analytics.models import ScoreModel
from guanxi.core.jobs import as_job


class Command(BaseCommand):
    help = "Cluster the customers who bought anything by their behaviour and describe each cluster."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="copy the warehouse whole instead of what changed")

    def handle(self, full=False, **options):
        with as_job():
            (run,) = scoring.score_all(full_extract=full, models=(ScoreModel.CLUSTER,))
        if run.state != run.State.PUBLISHED:
            self.stdout.write(f"{run.get_model_display()}: {run.get_state_display()} ({run.message})")
            return
        figures = run.figures
        best = figures["silhouettes"][str(figures["k"])]
        self.stdout.write(f"{run.get_model_display()}: {run.customers:,} customers, k = {figures['k']} "
                          f"(mean silhouette {best:.3f})")
        for cluster in figures["clusters"]:
            self.stdout.write(f"{cluster['number']}. {cluster_name(cluster['traits'])}: {cluster['size']:,} "
                              f"({number_format(cluster['share'] * 100, 1)}%)")
