"""The full-text index over knowledge_searchentry, in each database's own way (knowledge.index):
on SQLite an FTS5 table reading the entries' rows (external content), kept in step by triggers;
on PostgreSQL a GIN index over the entries' weighted tsvector."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(title, body, content='knowledge_searchentry', "
    "content_rowid='article_id', tokenize='unicode61')",
    "CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_fts(rowid, title, body) VALUES (new.article_id, new.title, new.body); END",
    "CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title, body) VALUES ('delete', old.article_id, old.title, "
    "old.body); END",
    "CREATE TRIGGER knowledge_fts_update AFTER UPDATE ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title, body) VALUES ('delete', old.article_id, old.title, "
    "old.body); INSERT INTO knowledge_fts(rowid, title, body) VALUES (new.article_id, new.title, new.body); END",
]
SQLITE_UNDO = ["DROP TRIGGER knowledge_fts_update", "DROP TRIGGER knowledge_fts_delete",
               "DROP TRIGGER knowledge_fts_insert", "DROP TABLE knowledge_fts"]
POSTGRESQL = [
    "CREATE INDEX knowledge_search_vector ON knowledge_searchentry USING gin "
    "((setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')))",
]
POSTGRESQL_UNDO = ["DROP INDEX knowledge_search_vector"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
                             _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRESQL_UNDO})),
    ]
