"""An index for finding text within ticket titles, so that the desk's title filter does not read every ticket.

PostgreSQL: the pg_trgm extension and a GIN trigram index on `UPPER(title)`, the expression the filter's LIKE
compares (`picocore.core.search.Folded`). SQLite: an FTS5 table with the trigram tokenizer over each ticket's
case-folded title (rowid = the ticket's id), filled from the existing tickets and kept in step by triggers;
the folding is `picocore_casefold`, the function PicoCore registers on each of its connections, so tickets are
written through PicoCore (a plain sqlite3 shell cannot insert or change one).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE tickets_ticket_title_fts USING fts5(title, tokenize = 'trigram case_sensitive 1')",
    "INSERT INTO tickets_ticket_title_fts (rowid, title) SELECT id, picocore_casefold(title) FROM tickets_ticket",
    """CREATE TRIGGER tickets_ticket_title_fts_insert AFTER INSERT ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_title_fts (rowid, title) VALUES (new.id, picocore_casefold(new.title));
    END""",
    """CREATE TRIGGER tickets_ticket_title_fts_update AFTER UPDATE OF title ON tickets_ticket BEGIN
        UPDATE tickets_ticket_title_fts SET title = picocore_casefold(new.title) WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER tickets_ticket_title_fts_delete AFTER DELETE ON tickets_ticket BEGIN
        DELETE FROM tickets_ticket_title_fts WHERE rowid = old.id;
    END""",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER tickets_ticket_title_fts_delete",
    "DROP TRIGGER tickets_ticket_title_fts_update",
    "DROP TRIGGER tickets_ticket_title_fts_insert",
    "DROP TABLE tickets_ticket_title_fts",
]
POSTGRES_FORWARDS = ["CREATE INDEX ticket_title_trigram ON tickets_ticket USING gin (UPPER(title) gin_trgm_ops)"]
POSTGRES_BACKWARDS = ["DROP INDEX ticket_title_trigram"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_canned_reply")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARDS, "postgresql": POSTGRES_FORWARDS}),
            _run({"sqlite": SQLITE_BACKWARDS, "postgresql": POSTGRES_BACKWARDS}),
        ),
    ]
