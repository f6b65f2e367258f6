"""An article's way: draft → in review → published → archived, reviewed by another person than its
author; a refusal with a reason sends it back to the author; each publication keeps its text."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.knowledge import services
from guanxi.knowledge.models import ArticleStatus

pytestmark = pytest.mark.django_db


def draft(user, **extra):
    return services.save_article(user, None, {"title": "首保 First service", "question": "首保什么时候做",
                                              "answer": "5000 公里或 6 个月内。", "tags": ["首保", "保养"], **extra})


def test_a_draft_goes_through_review_to_published_and_archived(users):
    agent, supervisor = users["agent"], users["supervisor"]
    article = draft(agent)
    assert article.status == ArticleStatus.DRAFT and article.org_unit.code == "CC"
    assert sorted(article.tags.values_list("name", flat=True)) == ["保养", "首保"]
    services.step(agent, article.pk, "submit")
    published = services.step(supervisor, article.pk, "publish")
    assert (published.status, published.version, published.reviewer) == (ArticleStatus.PUBLISHED, 1, supervisor)
    assert published.versions.get().answer == "5000 公里或 6 个月内。"
    assert services.step(supervisor, article.pk, "archive").status == ArticleStatus.ARCHIVED


def test_the_author_cannot_review_their_own_article(users):
    supervisor = users["supervisor"]
    article = draft(supervisor)
    services.step(supervisor, article.pk, "submit")
    for step in ("publish", "refuse"):
        with pytest.raises(ValidationError) as refused:
            services.step(supervisor, article.pk, step, "写得不清楚")
        assert "reviewer" in refused.value.message_dict
    assert services.step(users["admin"], article.pk, "publish").status == ArticleStatus.PUBLISHED


def test_a_refusal_needs_a_reason_and_sends_the_article_back_to_draft(users):
    article = draft(users["agent"])
    services.step(users["agent"], article.pk, "submit")
    with pytest.raises(ValidationError) as no_reason:
        services.step(users["supervisor"], article.pk, "refuse", "  ")
    assert "note" in no_reason.value.message_dict
    refused = services.step(users["supervisor"], article.pk, "refuse", "请补充保养项目")
    assert (refused.status, refused.review_note) == (ArticleStatus.DRAFT, "请补充保养项目")
    services.save_article(users["agent"], article.pk, {"steps": "带保养手册\n预约到店"})
    assert services.step(users["agent"], article.pk, "submit").review_note == ""


def test_agents_propose_but_do_not_publish_and_a_published_text_changes_only_after_a_revision(users):
    agent, supervisor = users["agent"], users["supervisor"]
    article = draft(agent)
    services.step(agent, article.pk, "submit")
    with pytest.raises(PermissionDenied):
        services.step(agent, article.pk, "publish")
    services.step(supervisor, article.pk, "publish")
    with pytest.raises(ValidationError) as locked:
        services.save_article(agent, article.pk, {"answer": "改了"})
    assert "status" in locked.value.message_dict
    services.step(supervisor, article.pk, "revise")
    services.save_article(agent, article.pk, {"answer": "8000 公里或 6 个月内。"})
    services.step(agent, article.pk, "submit")
    services.step(supervisor, article.pk, "publish")
    assert list(article.versions.values_list("version", "answer")) == [
        (2, "8000 公里或 6 个月内。"), (1, "5000 公里或 6 个月内。")]


def test_only_a_draft_never_published_is_deleted(users):
    admin = users["admin"]
    article = draft(users["supervisor"])
    services.step(users["supervisor"], article.pk, "submit")
    services.step(admin, article.pk, "publish")
    with pytest.raises(ValidationError):
        services.delete_article(admin, article.pk)
    fresh = draft(users["supervisor"])
    services.delete_article(admin, fresh.pk)
    assert not type(fresh).objects.filter(pk=fresh.pk).exists()


def test_the_step_pages_move_the_article_and_show_errors_beside_the_form(client, users):
    from django.urls import reverse

    article = draft(users["agent"])
    client.force_login(users["agent"])
    assert client.post(reverse("knowledge:article_step", args=[article.pk, "submit"])).status_code == 302
    client.force_login(users["supervisor"])
    page = client.get(reverse("knowledge:article", args=[article.pk]))
    assert set(page.context["actions"]) == {"publish", "refuse"}
    refused = client.post(reverse("knowledge:article_step", args=[article.pk, "refuse"]), {"note": ""})
    assert refused.status_code == 422
    assert client.post(reverse("knowledge:article_step", args=[article.pk, "publish"])).status_code == 302
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
