"""The full-text index of the articles, one SQL dialect per database, the same words in both
(knowledge.tokens): SQLite's FTS5 ranked by bm25, PostgreSQL's tsvector ('simple' configuration:
no stemming, no stopwords of its own) ranked by ts_rank. The title and tags weigh more than the
question, answer and steps. Kept in step with the articles by signals, so every path that saves an
article (pages, API, admin, demo) updates it."""

from django.db import connection

from guanxi.knowledge import tokens
from guanxi.knowledge.models import Article, SearchEntry

CANDIDATES = 500  # matches read before the scope and the status filter: a bounded amount of work per search
TITLE_WEIGHT = 5.0  # SQLite bm25: a title word counts five body words

# PostgreSQL: the expression the GIN index of migration 0002 covers, repeated verbatim so that it is used
PG_VECTOR = ("setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')")


def entry_text(article: Article) -> tuple[str, str]:
    tags = " ".join(article.tags.values_list("name", flat=True)) if article.pk else ""
    title = tokens.indexed(f"{article.title} {tags}")
    category = article.category.name if article.category_id else ""
    body = tokens.indexed("\n".join((article.question, article.answer, article.steps, article.applies_to, category)))
    return title, body


def index_article(article: Article) -> None:
    title, body = entry_text(article)
    SearchEntry.objects.update_or_create(article_id=article.pk, defaults={"title": title, "body": body})


def on_article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index_article(instance)


def on_tags_changed(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Article):
        index_article(instance)


def ranked(words: list[str], limit: int = CANDIDATES) -> list[tuple[int, float]]:
    """(article id, score) of the articles holding any of the words, best first; a higher score is
    better on both databases."""
    words = [word for word in words if word]
    if not words:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = " | ".join("'" + word.replace("'", "") + "'" for word in words)
            cursor.execute(
                f"SELECT article_id, ts_rank({PG_VECTOR}, q) AS score FROM knowledge_searchentry, "
                f"to_tsquery('simple', %s) q WHERE ({PG_VECTOR}) @@ q ORDER BY score DESC, article_id LIMIT %s",
                [query, limit],
            )
            return [(pk, float(score)) for pk, score in cursor.fetchall()]
        query = " OR ".join('"' + word.replace('"', "") + '"' for word in words)
        cursor.execute(
            "SELECT rowid, -bm25(knowledge_fts, %s, 1.0) AS score FROM knowledge_fts WHERE knowledge_fts MATCH %s "
            "ORDER BY score DESC, rowid LIMIT %s",
            [TITLE_WEIGHT, query, limit],
        )
        return [(pk, float(score)) for pk, score in cursor.fetchall()]
