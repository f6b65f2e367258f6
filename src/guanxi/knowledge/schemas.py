"""Request and response shapes of the knowledge API."""

import datetime as dt
from typing import Literal

from ninja import Field, ModelSchema, Schema

from guanxi.knowledge.models import Article, ArticleVersion


class ArticleOut(ModelSchema):
    category_id: int | None
    tags: list[str]

    class Meta:
        model = Article
        fields = ["id", "title", "question", "answer", "steps", "applies_to", "standard", "status", "version",
                  "published_at", "review_note", "uses", "helpful_yes", "helpful_no", "updated_at"]

    @staticmethod
    def resolve_tags(obj):
        return [tag.name for tag in obj.tags.all()]


class ArticleIn(Schema):
    title: str = Field(max_length=200)
    question: str = Field("", max_length=2000)
    answer: str = Field(max_length=20000)
    steps: str = Field("", max_length=10000)
    applies_to: str = Field("", max_length=200)
    standard: bool = False
    category_id: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)


class ArticleChange(Schema):
    title: str | None = Field(None, max_length=200)
    question: str | None = Field(None, max_length=2000)
    answer: str | None = Field(None, max_length=20000)
    steps: str | None = Field(None, max_length=10000)
    applies_to: str | None = Field(None, max_length=200)
    standard: bool | None = None
    category_id: int | None = None
    tags: list[str] | None = Field(None, max_length=20)


class StepIn(Schema):
    step: Literal["submit", "publish", "refuse", "archive", "revise"]
    note: str = Field("", max_length=500)


class VersionOut(ModelSchema):
    author_id: int | None
    reviewer_id: int | None

    class Meta:
        model = ArticleVersion
        fields = ["version", "title", "question", "answer", "steps", "published_at"]


class HitOut(Schema):
    id: int
    title: str
    question: str
    status: str
    standard: bool
    score: float


class PublicAnswerOut(Schema):
    """What a customer, the IVR or the web self-service gets: a published answer."""

    id: int
    title: str
    question: str
    answer: str
    steps: list[str] = Field(alias="step_list")
    standard: bool
    published_at: dt.datetime | None
