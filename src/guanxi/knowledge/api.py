"""The knowledge API: articles from declarations (core.api_crud), their workflow steps and versions,
the staff search, and the public search the IVR and the web self-service call without a token
(published articles only, limited per address, as the help page)."""

from ninja import Query, Router, Schema

from guanxi.core.api_crud import ModelApi
from guanxi.core.scoping import get_restricted
from guanxi.knowledge import public, services
from guanxi.knowledge.filtersets import ArticleFilterSet
from guanxi.knowledge.models import Article
from guanxi.knowledge.schemas import ArticleChange, ArticleIn, ArticleOut, HitOut, PublicAnswerOut, StepIn, VersionOut

router = Router(tags=["knowledge"])


class ArticleApi(ModelApi):
    model = Article
    path = "knowledge/articles"
    schema = ArticleOut
    tags = ["knowledge"]
    filterset_class = ArticleFilterSet
    create_schema = ArticleIn
    change_schema = ArticleChange

    @staticmethod
    def queryset(rows, user):
        return rows.prefetch_related("tags")

    def create(self, user, data, parent_pk):
        """A new draft, filed under your unit."""
        return services.save_article(user, None, data)

    def change(self, user, pk, data):
        """Changes the fields sent of a draft; a published article is revised first (step "revise")."""
        return services.save_article(user, pk, data)

    def delete(self, user, pk):
        """Deletes a draft never published; a published article is archived instead."""
        services.delete_article(user, pk)


ArticleApi().register(router)


@router.post("/knowledge/articles/{pk}/step", response=ArticleOut)
def article_step(request, pk: int, payload: StepIn):
    """submit (for review), publish or refuse (with a note; a reviewer other than the author),
    archive, revise (back to draft)."""
    return services.step(request.user, pk, payload.step, payload.note)


@router.get("/knowledge/articles/{pk}/versions", response=list[VersionOut])
def article_versions(request, pk: int):
    """The texts the article was published with, newest first."""
    return list(get_restricted(request.user, Article, pk).versions.all())


class SearchParams(Schema):
    q: str = ""
    drafts: bool = False


@router.get("/knowledge/search", response=list[HitOut])
def staff_search(request, params: Query[SearchParams]):
    """Articles matching the words (Chinese or English), best first: published ones, and with
    drafts=true also the drafts and articles in review you may see."""
    return services.search(params.q[:200], request.user, published_only=not params.drafts)


class PublicParams(Schema):
    q: str = ""
    limit: int = 5


@router.get("/knowledge/public-search", response=list[PublicAnswerOut], auth=None)
def public_search(request, params: Query[PublicParams]):
    """No token: published answers only, close standard questions first (those the IVR may give
    alone), at most 10; each answer given out counts as a use. Limited per address (429)."""
    public.throttle(request.META.get("REMOTE_ADDR", ""))
    found = services.search(params.q[:200], None, limit=max(1, min(params.limit, 10)))
    services.count_uses(article.pk for article in found)
    return found
