import django_filters
from django.utils.translation import gettext_lazy as _

from guanxi.analytics.cards import LEVEL_NAMES, RISK_NAMES
from guanxi.analytics.models import Score

ALL = _("All")


class RetentionFilterSet(django_filters.FilterSet):
    label = django_filters.ChoiceFilter(choices=list(RISK_NAMES.items())[:2], label=_("churn risk"), empty_label=ALL)
    value_level = django_filters.ChoiceFilter(choices=list(LEVEL_NAMES.items()), label=_("value level"),
                                              empty_label=ALL)

    class Meta:
        model = Score
        fields = ["label", "value_level"]
