"""The knowledge base: articles that answer a question (the contact center's "database of problems
and their solutions"), in categories, with tags, written, reviewed by another person, published,
archived. Every publication keeps its text as a version. Articles are the network's shared
knowledge: a published one is read by every role that may read articles; a draft only where it
was written (and by head office and the call center, who see everything)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core import validators as V
from guanxi.core.models import OrgUnit, Tracked
from guanxi.core.scoping import RestrictedQuerySet


def everyone(unit_ids, action):
    """Categories and tags are the network's: whoever may read them reads all of them."""
    return Q()


class Category(models.Model):
    permission_key = "knowledge.category"

    name = models.CharField(_("name"), max_length=100, unique=True, validators=V.NAME)
    name_en = models.CharField(_("English name"), max_length=100, blank=True, validators=[V.printable_line])
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("knowledge:category_edit", args=[self.pk])

    scope_q = staticmethod(everyone)


class Tag(models.Model):
    permission_key = "knowledge.category"

    name = models.CharField(_("name"), max_length=40, unique=True, validators=V.NAME)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name

    scope_q = staticmethod(everyone)


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Article(Tracked):
    """One question and its answer. `standard` marks an answer the IVR and the web self-service may
    give alone, without an agent. `uses` counts the times the answer was given out in full,
    `helpful_yes`/`helpful_no` the readers' votes; these counters are written with UPDATE, outside
    the audit log and the changed-meanwhile check."""

    permission_key = "knowledge.article"

    title = models.CharField(_("title"), max_length=200, validators=V.NAME)
    question = models.TextField(_("question"), max_length=2000, blank=True, validators=[V.printable_text],
                                help_text=_("The question as customers ask it."))
    answer = models.TextField(_("answer"), max_length=20000, validators=[V.not_blank, V.printable_text])
    steps = models.TextField(_("solution steps"), max_length=10000, blank=True, validators=[V.printable_text],
                             help_text=_("One step a line."))
    applies_to = models.CharField(_("applies to models"), max_length=200, blank=True, validators=[V.printable_line],
                                  help_text=_("Car models, separated by commas; empty for all."))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="articles",
                                 verbose_name=_("category"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    standard = models.BooleanField(_("standard question"), default=False,
                                   help_text=_("The IVR and the web self-service may answer it alone."))
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("written at"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("reviewer"))
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    uses = models.PositiveIntegerField(_("uses"), default=0)
    helpful_yes = models.PositiveIntegerField(_("helpful"), default=0)
    helpful_no = models.PositiveIntegerField(_("not helpful"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-id"]
        permissions = [("review_article", "Can review, publish and archive articles")]
        indexes = [models.Index(fields=["status", "standard"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledge:article", args=[self.pk])

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]

    @staticmethod
    def scope_q(unit_ids, action):
        """Outside head office and the call center: published articles to read, and what was
        written in the user's units to read and work on."""
        mine = Q(org_unit_id__in=unit_ids)
        return (Q(status=ArticleStatus.PUBLISHED) | mine) if action == "view" else mine


class ArticleVersion(models.Model):
    """The text of one publication of an article, kept when it is published."""

    permission_key = "knowledge.article"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions",
                                verbose_name=_("article"))
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"), blank=True)
    answer = models.TextField(_("answer"))
    steps = models.TextField(_("solution steps"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("author"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("reviewer"))
    published_at = models.DateTimeField(_("published"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="one_row_per_article_version")]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @staticmethod
    def scope_q(unit_ids, action):
        mine = Q(article__org_unit_id__in=unit_ids)
        return (Q(article__status=ArticleStatus.PUBLISHED) | mine) if action == "view" else mine


class SearchEntry(models.Model):
    """An article's words as the full-text index reads them (knowledge.tokens): the title and tags
    weigh more than the rest. On SQLite an FTS5 table follows these rows by triggers; on PostgreSQL
    a GIN index covers their tsvector (migration 0002)."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="+")
    title = models.TextField()
    body = models.TextField()

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
