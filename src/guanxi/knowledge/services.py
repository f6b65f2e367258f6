"""The knowledge base's operations: writing an article, its way from draft through review to
published and archived (four eyes: the reviewer is never the author), the search, and the counters
of use and helpfulness. Views, the API and the demo call these; they check permissions and scope."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import validators as V
from guanxi.core.scoping import ensure_in_scope, get_restricted, require
from guanxi.knowledge import index, tokens
from guanxi.knowledge.models import Article, ArticleStatus, ArticleVersion, Category, Tag

FIELDS = ("title", "question", "answer", "steps", "applies_to", "standard")
EDITABLE = (ArticleStatus.DRAFT,)  # a published article is revised (back to draft) before it changes
S = ArticleStatus


def _unit_for(user):
    """Where a new article is filed: the first of the user's units whose role may add articles."""
    for unit_id, _name, _path, _kind, _role, app_label, codename in user.membership_rows:
        if (app_label, codename) == ("knowledge", "add_article"):
            return unit_id
    return user.primary_unit_id


def _clean(article: Article) -> None:
    try:
        article.full_clean(exclude=["org_unit", "reviewer", "created_by", "category"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error


def _set_relations(article: Article, data: dict) -> None:
    if "category_id" in data:
        category = Category.objects.filter(pk=data["category_id"]).first() if data["category_id"] else None
        if data["category_id"] and category is None:
            raise ValidationError({"category_id": _("No such category.")})
        article.category = category


def _set_tags(article: Article, names) -> None:
    if names is None:
        return
    tags = []
    for name in dict.fromkeys(name.strip()[:40] for name in names if name and name.strip()):
        try:
            V.printable_line(name)
        except ValidationError as error:
            raise ValidationError({"tags": error.messages}) from error
        tags.append(Tag.objects.get_or_create(name=name)[0])
    article.tags.set(tags)


def save_article(user, pk, data: dict) -> Article:
    """A new draft (pk None) or the fields sent of a draft: title, question, answer, steps,
    applies_to, standard, category_id, tags (names; new ones are made)."""
    if pk is None:
        require(user, Article.permission_key, "add")
        article = Article(created_by=user, org_unit_id=_unit_for(user))
    else:
        article = get_restricted(user, Article, pk, "change")
    before = [getattr(article, field) for field in (*FIELDS, "category_id")]
    for field in FIELDS:
        if data.get(field) is not None:
            setattr(article, field, data[field])
    _set_relations(article, data)
    changed = before != [getattr(article, field) for field in (*FIELDS, "category_id")] or data.get("tags") is not None
    if pk is not None and changed and article.status not in EDITABLE:
        raise ValidationError({"status": _("Only a draft is edited: revise the article first.")})
    _clean(article)
    with transaction.atomic():
        article.save()
        _set_tags(article, data.get("tags"))
        ensure_in_scope(user, article, "change" if pk else "view", "__all__")
    return article


def delete_article(user, pk) -> None:
    """Only a draft that was never published is deleted; a published one is archived instead."""
    article = get_restricted(user, Article, pk, "delete")
    if article.status != S.DRAFT or article.version:
        raise ValidationError({"status": _("Only a draft never published is deleted; archive the article instead.")})
    article.delete()


# --- the workflow ---------------------------------------------------------------------------------

# step -> (the permission it needs, the states it starts from, the state it leads to)
STEPS = {
    "submit": ("change", (S.DRAFT,), S.REVIEW),
    "publish": ("review", (S.REVIEW,), S.PUBLISHED),
    "refuse": ("review", (S.REVIEW,), S.DRAFT),
    "archive": ("review", (S.PUBLISHED,), S.ARCHIVED),
    "revise": ("review", (S.PUBLISHED, S.ARCHIVED), S.DRAFT),
}


def step(user, pk, name: str, note: str = "") -> Article:
    """Moves the article on: submit for review; publish or refuse (with a reason, back to draft) by
    a reviewer who is not the author; archive; revise (a published or archived article back to
    draft, its published text kept as a version)."""
    if name not in STEPS:
        raise ValidationError({"step": _("No such step.")})
    permission, starts, leads_to = STEPS[name]
    require(user, Article.permission_key, permission)
    with transaction.atomic():
        found = get_restricted(user, Article, pk, permission)
        article = Article.objects.select_for_update().get(pk=found.pk)
        if article.status not in starts:
            raise ValidationError({"status": _("This step is not possible for an article that is %(status)s.")
                                   % {"status": article.get_status_display().lower()}})
        if name in ("publish", "refuse"):
            if article.created_by_id == user.pk:
                raise ValidationError({"reviewer": _("Another person reviews the article: not its author.")})
            article.reviewer = user
        if name == "refuse":
            if not note.strip():
                raise ValidationError({"note": _("Say why, so that the author can put it right.")})
            article.review_note = note.strip()[:500]
        if name == "submit":
            article.review_note = ""
        article.status = leads_to
        if name == "publish":
            _publish(article, user)
        article.save()
    return article


def _publish(article: Article, reviewer) -> None:
    article.version += 1
    article.published_at = timezone.now()
    ArticleVersion.objects.create(
        article=article, version=article.version, title=article.title, question=article.question,
        answer=article.answer, steps=article.steps, author=article.created_by, reviewer=reviewer,
        published_at=article.published_at)


# --- search and counters --------------------------------------------------------------------------

MAX_RESULTS = 50
CLOSE_MATCH = 0.5  # of the best score: a standard question this close goes first for customers


def search(query: str, user=None, published_only: bool = True, limit: int = 20) -> list[Article]:
    """Articles matching the words of the query, best first, each with its `score`. Without a user
    (customers, the IVR): published articles only, standard questions that match closely first.
    With one: what the user may see, published only unless asked otherwise."""
    limit = max(1, min(limit, MAX_RESULTS))
    scores = dict(index.ranked(tokens.query_words(query or "")))
    if not scores:
        return []
    if user is None:
        rows = Article.objects.filter(status=S.PUBLISHED)
    else:
        require(user, Article.permission_key, "view")
        rows = Article.objects.restrict(user, "view")
        if published_only:
            rows = rows.filter(status=S.PUBLISHED)
    found = list(rows.filter(pk__in=list(scores)).select_related("category"))
    for article in found:
        article.score = scores[article.pk]
    found.sort(key=lambda article: (-article.score, article.pk))
    if user is None and found:
        close = found[0].score * CLOSE_MATCH
        found.sort(key=lambda article: not (article.standard and article.score >= close))  # stable: rank kept
    return found[:limit]


def count_uses(pks) -> None:
    """The answers were given out in full (a page opened, the IVR or the web read them)."""
    Article.objects.filter(pk__in=list(pks)).update(uses=F("uses") + 1)


def vote(pk, helpful: bool, already: set) -> bool:
    """A reader's "was this helpful?" on a published article, once per reader (`already`: the
    article ids the reader voted on, kept in their session). False when not counted."""
    if pk in already or not Article.objects.filter(pk=pk, status=S.PUBLISHED).exists():
        return False
    field = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(pk=pk).update(**{field: F(field) + 1})
    already.add(pk)
    return True
