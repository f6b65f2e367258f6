"""Columns of the article and category lists (django-tables2)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from guanxi.customers.tables import badge
from guanxi.knowledge.models import Article, Category

# the lead badges' colours, which read the same way: new, waiting, done, gone
STATUS_BADGE = {"draft": "new", "review": "assigned", "published": "converted", "archived": "lost"}


def status_badge(article) -> str:
    return badge("lead", STATUS_BADGE[article.status], article.get_status_display())


class ArticleTable(tables.Table):
    title = tables.Column(linkify=("knowledge:article", {"pk": tables.A("pk")}))
    category = tables.Column(orderable=False)
    status = tables.Column()
    standard = tables.BooleanColumn(orderable=False)
    version = tables.Column()
    uses = tables.Column()
    helpful_yes = tables.Column(verbose_name=_("helpful"))
    helpful_no = tables.Column(verbose_name=_("not helpful"))
    updated_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT", verbose_name=_("changed"))

    class Meta:
        model = Article
        fields = ("title", "category", "status", "standard", "version", "uses", "helpful_yes", "helpful_no",
                  "updated_at")
        empty_text = _("No articles match.")

    def render_status(self, value, record):
        return status_badge(record)

    def value_status(self, value, record):
        return record.get_status_display()


class CategoryTable(tables.Table):
    name = tables.Column(linkify=("knowledge:category_edit", {"pk": tables.A("pk")}))

    class Meta:
        model = Category
        fields = ("name", "name_en", "order")
        empty_text = _("No categories yet.")
