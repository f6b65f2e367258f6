"""Filters of the article list (django-filter): one definition for the page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from guanxi.customers.filtersets import ALL, yes_no_filter
from guanxi.knowledge.models import Article, ArticleStatus, Category


class ArticleFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ArticleStatus.choices, label=_("status"), empty_label=ALL)
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label=_("category"),
                                                empty_label=ALL)
    standard = yes_no_filter(_("standard question"))

    class Meta:
        model = Article
        fields = ["status", "category", "standard"]


