"""Reactions of the analytics app to other apps' domain events."""

from guanxi.analytics.models import Score


def forget_scores(event) -> None:
    """An erased customer keeps no scores: their history of scores says what they were worth to us.
    (The next warehouse copy marks them inactive, so no later run scores them again.)"""
    Score.objects.filter(customer_id=event.object_id).delete()
