"""Knowledge pages for staff: the search agents answer from, the article list, one article with its
versions and workflow steps, the edit pages, the categories. Thin: the rules are in services."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from guanxi.core.generic import ObjectDeleteView, ObjectEditView, ObjectListView, ObjectView, StepView
from guanxi.core.scoping import may, require
from guanxi.knowledge import services
from guanxi.knowledge.filtersets import ArticleFilterSet
from guanxi.knowledge.forms import (
    ArchiveForm,
    ArticleForm,
    CategoryForm,
    PublishForm,
    RefuseForm,
    ReviseForm,
    SearchForm,
    SubmitForm,
)
from guanxi.knowledge.models import Article, ArticleStatus, Category
from guanxi.knowledge.tables import ArticleTable, CategoryTable, status_badge


class SearchView(LoginRequiredMixin, View):
    """What an agent answers a caller from: published articles, and drafts for those who may see them."""

    def get(self, request):
        require(request.user, Article.permission_key, "view")
        form = SearchForm(request.GET or None)
        results = []
        if form.is_valid() and form.cleaned_data["q"]:
            results = services.search(form.cleaned_data["q"], request.user,
                                      published_only=not form.cleaned_data["drafts"])
        context = {"form": form, "results": results, "searched": bool(request.GET.get("q")),
                   "may_add": may(request.user, Article.permission_key, "add")}
        return render(request, "knowledge/search.html", context)


class ArticleListView(ObjectListView):
    model = Article
    table_class = ArticleTable
    filterset_class = ArticleFilterSet
    title = _("Articles")
    add_url_name = "knowledge:article_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("category").order_by("-id")


class ArticleView(ObjectView):
    model = Article
    template_name = "knowledge/article_detail.html"
    fields = ("category", "status", "standard", "applies_to", "version", "published_at", "created_by", "reviewer",
              "review_note", "uses", "helpful_yes", "helpful_no")
    edit_url_name = "knowledge:article_edit"
    delete_url_name = "knowledge:article_delete"

    def context(self, user, obj, bound: dict | None = None):
        actions = ArticleStepView.offered(user, obj, bound)
        if obj.created_by_id == user.pk:  # four eyes: the author does not review
            actions.pop("publish", None)
            actions.pop("refuse", None)
        return {"actions": actions, "tags": list(obj.tags.all()), "status_badge": status_badge(obj),
                "versions": list(obj.versions.select_related("author", "reviewer")),
                "editable": obj.status in services.EDITABLE}

    def get(self, request, pk):
        response = super().get(request, pk)
        services.count_uses(Article.objects.filter(pk=pk, status=ArticleStatus.PUBLISHED).values_list("pk", flat=True))
        return response


class ArticleStepView(StepView):
    """Send for review, publish or send back (another person than the author), archive, revise."""

    model = Article
    detail_view = ArticleView
    actions = {
        "submit": (SubmitForm, "change", (ArticleStatus.DRAFT,)),
        "publish": (PublishForm, "review", (ArticleStatus.REVIEW,)),
        "refuse": (RefuseForm, "review", (ArticleStatus.REVIEW,)),
        "archive": (ArchiveForm, "review", (ArticleStatus.PUBLISHED,)),
        "revise": (ReviseForm, "review", (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED)),
    }

    def act(self, user, pk, action, data):
        services.step(user, pk, action, data.get("note", ""))


class ArticleEditView(ObjectEditView):
    model = Article
    form_class = ArticleForm

    def save(self, user, form):
        return services.save_article(user, form.instance.pk, form.service_data())


class ArticleDeleteView(ObjectDeleteView):
    model = Article

    def delete(self, user, obj):
        services.delete_article(user, obj.pk)

    @property
    def success_url(self):
        return reverse("knowledge:articles")


class CategoryListView(ObjectListView):
    model = Category
    table_class = CategoryTable
    title = _("Knowledge categories")
    add_url_name = "knowledge:category_add"


class CategoryEditView(ObjectEditView):
    model = Category
    form_class = CategoryForm

    def saved_url(self, saved) -> str:
        return reverse("knowledge:categories")
