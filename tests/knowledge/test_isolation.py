"""Every knowledge page and endpoint answers what the scoping layer allows, role by role: published
articles to every reader, drafts only where they were written (and to head office and the call
center); review steps only to reviewers."""

import pytest
from django.db import transaction
from django.urls import reverse

from guanxi.core.models import User
from guanxi.core.scoping import may
from guanxi.knowledge import api
from guanxi.knowledge.models import Article, Category
from tests.conftest import shared_people
from tests.isolation import USER_KEYS, AddPageIsolation, ApiIsolation, ListPageIsolation, expected
from tests.knowledge.articles import make_articles

pytestmark = pytest.mark.django_db
people, org, users, customers = shared_people()


def articles(customers) -> list[Article]:
    return list(make_articles().values())


def categories(customers) -> list[Category]:
    if not Category.objects.exists():
        Category.objects.create(name="保养", name_en="Maintenance")
        Category.objects.create(name="轮胎", name_en="Tyres")
    return list(Category.objects.order_by("pk"))


class TestArticlePages(AddPageIsolation):
    model = Article
    add_url, detail_url, edit_url = "knowledge:article_add", "knowledge:article", "knowledge:article_edit"
    delete_url = "knowledge:article_delete"
    objects = staticmethod(articles)


class TestArticleList(ListPageIsolation):
    model, list_url = Article, "knowledge:articles"

    @staticmethod
    def prepare(users, customers):
        make_articles()


class TestCategoryPages(AddPageIsolation):
    model = Category
    add_url, edit_url = "knowledge:category_add", "knowledge:category_edit"
    objects = staticmethod(categories)


class TestCategoryList(ListPageIsolation):
    model, list_url = Category, "knowledge:categories"

    @staticmethod
    def prepare(users, customers):
        categories(customers)


class TestArticleApiIsolation(ApiIsolation):
    api = api.ArticleApi()
    create_body = {"title": "雨刮更换", "answer": "每年更换一次。", "tags": ["雨刮"]}

    @staticmethod
    def prepare(users, customers):
        make_articles()


STEPS = [("submit", "change"), ("publish", "review"), ("refuse", "review"), ("archive", "review"),
         ("revise", "review")]


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_steps_versions_and_the_staff_search_answer_what_the_scope_allows(client, users, customers, user_key):
    rows = articles(customers)
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)
    before = list(Article.objects.order_by("pk").values())
    for article in rows:
        for step, permission in STEPS:
            wanted = expected(fresh, Article, article, permission)
            with transaction.atomic():
                answer = client.post(f"/api/knowledge/articles/{article.pk}/step", {"step": step, "note": "不清楚"},
                                     content_type="application/json")
                page = client.post(reverse("knowledge:article_step", args=[article.pk, step]), {"note": "不清楚"})
                transaction.set_rollback(True)
            assert answer.status_code in ({200, 422} if wanted == 200 else {wanted}), (step, article)
            assert page.status_code in ({302, 422} if wanted == 200 else {wanted}), (step, article)
        seen = expected(fresh, Article, article, "view")
        assert client.get(f"/api/knowledge/articles/{article.pk}/versions").status_code == seen
    assert list(Article.objects.order_by("pk").values()) == before
    readable = may(fresh, Article.permission_key, "view")
    visible = set(Article.objects.restrict(fresh).values_list("pk", flat=True))
    for query in ("胎压", "充电桩", "洗车", "延保"):
        hits = client.get("/api/knowledge/search", {"q": query, "drafts": "true"})
        page = client.get(reverse("knowledge:search"), {"q": query, "drafts": "on"})
        assert hits.status_code == page.status_code == (200 if readable else 403)
        if readable:
            assert {hit["id"] for hit in hits.json()} <= visible
            assert {article.pk for article in page.context["results"]} <= visible
