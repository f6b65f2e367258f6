"""The search index learns "警告灯" (warning light) and "指示灯" as words (knowledge.tokens.TRADE_WORDS): every
article is indexed again, so that a customer's "车灯亮了" finds the warning-light articles."""

from django.db import migrations


def reindex(apps, schema_editor):
    from guanxi.knowledge import index

    Article = apps.get_model("knowledge", "Article")
    SearchEntry = apps.get_model("knowledge", "SearchEntry")
    for article in Article.objects.select_related("category").iterator(chunk_size=500):
        title, body = index.entry_text(article)
        SearchEntry.objects.update_or_create(article_id=article.pk, defaults={"title": title, "body": body})


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0003_roles'),
    ]

    operations = [
        migrations.RunPython(reindex, migrations.RunPython.noop),
    ]
