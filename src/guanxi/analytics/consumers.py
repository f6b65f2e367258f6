"""Reactions of the analytics app to other apps' domain events."""

from guanxi.analytics.models import Score


def forget_scores(event) -> None:
    """An erased customer, or one who refused analytics and profiling, keeps no scores: their history of scores
    says what they were worth to us. (The next warehouse copy marks an erased customer inactive, and scoring
    writes nothing for one who refused, so no later run scores them again.)"""
    Score.objects.filter(customer_id=event.object_id).delete()
