"""What customers reach without signing in: published articles only, close standard questions
first, searches limited per address, one helpful vote per reader and article, uses counted."""

import pytest
from django.urls import reverse

from guanxi.knowledge import public, services
from guanxi.knowledge.models import Article

pytestmark = pytest.mark.django_db

DRAFT_WORDS = ("充电桩", "延保", "洗车", "保养周期", "Home charger")


def test_the_public_search_never_returns_drafts_in_review_or_archived_articles(client, articles):
    for query in DRAFT_WORDS:
        assert client.get("/api/knowledge/public-search", {"q": query}).json() == [], query
        assert client.get(reverse("knowledge:help"), {"q": query}).context["results"] == [], query
    answer = client.get("/api/knowledge/public-search", {"q": "胎压 刹车"})
    assert answer.status_code == 200
    assert {hit["title"] for hit in answer.json()} == {"标准胎压 Tyre pressure", "刹车片更换"}
    for article in articles.values():
        shown = client.get(reverse("knowledge:help_article", args=[article.pk])).status_code
        assert shown == (200 if article.status == "published" else 404), article


def test_a_close_standard_question_comes_first_for_customers(articles, users):
    top, second = services.search("刹车 胎压", users["supervisor"])
    assert second.score >= top.score * services.CLOSE_MATCH, "the test needs two close matches"
    Article.objects.filter(pk=top.pk).update(standard=False)
    Article.objects.filter(pk=second.pk).update(standard=True)
    assert [article.pk for article in services.search("刹车 胎压", users["supervisor"])] == [top.pk, second.pk]
    assert [article.pk for article in services.search("刹车 胎压")] == [second.pk, top.pk]


def test_answers_given_out_and_pages_opened_count_as_uses(client, articles):
    client.get("/api/knowledge/public-search", {"q": "胎压"})
    client.get(reverse("knowledge:help_article", args=[articles["tyres"].pk]))
    assert Article.objects.get(pk=articles["tyres"].pk).uses == 2


def test_one_helpful_vote_per_reader_and_article(client, articles):
    tyres = articles["tyres"]
    url = reverse("knowledge:help_vote", args=[tyres.pk])
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    client.post(url, {"helpful": "no"})  # the same reader again: not counted
    client.session.flush()
    other = type(client)()
    other.post(url, {"helpful": "no"})
    tyres.refresh_from_db()
    assert (tyres.helpful_yes, tyres.helpful_no) == (1, 1)
    assert client.post(reverse("knowledge:help_vote", args=[articles["draft"].pk]), {"helpful": "yes"}).status_code \
        == 404
    assert client.get(url).status_code == 405


def test_public_searches_are_limited_per_address(client, articles, monkeypatch):
    monkeypatch.setattr(public, "SEARCHES_PER_MINUTE", 3)
    for _ in range(3):
        assert client.get("/api/knowledge/public-search", {"q": "胎压"}).status_code == 200
    assert client.get("/api/knowledge/public-search", {"q": "胎压"}).status_code == 429
    assert client.get(reverse("knowledge:help"), {"q": "胎压"}).status_code == 429
    assert client.get(reverse("knowledge:help")).status_code == 200  # the empty page is not a search
