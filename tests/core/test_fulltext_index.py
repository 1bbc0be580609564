"""A `FullTextIndex`'s names and statements: without a name exactly those of the indexes made before names
existed (nothing of theirs migrates), with one a column, index, table and triggers of its own."""

from django.db import connection

from picocore.core.fulltext import FullTextIndex, TextMatch, TextQuery
from picocore.core.fulltext.operations import CreateFullTextIndex
from picocore.tickets.models import Ticket

UNNAMED = FullTextIndex(table="things", columns=("title", "body"))
NAMED = FullTextIndex(table="things", columns=("public_title",), name="public")


def test_an_index_without_a_name_keeps_the_names_it_always_had():
    assert (UNNAMED.vector, UNNAMED.gin_index, UNNAMED.fts_table) == ("search_vector", "things_search", "things_fts")
    postgresql = UNNAMED.forwards("postgresql")
    assert postgresql[0].startswith("ALTER TABLE things ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (")
    assert postgresql[1] == "CREATE INDEX things_search ON things USING gin (search_vector)"
    assert UNNAMED.backwards("postgresql") == [
        "DROP INDEX things_search",
        "ALTER TABLE things DROP COLUMN search_vector",
    ]
    assert UNNAMED.backwards("sqlite") == [
        "DROP TRIGGER things_fts_insert", "DROP TRIGGER things_fts_update", "DROP TRIGGER things_fts_delete",
        "DROP TABLE things_fts",
    ]  # fmt: skip


def test_a_named_index_has_a_column_an_index_a_table_and_triggers_of_its_own():
    assert (NAMED.vector, NAMED.gin_index, NAMED.fts_table) == (
        "public_search_vector", "things_public_search", "things_public_fts"
    )  # fmt: skip
    postgresql = NAMED.forwards("postgresql")
    assert postgresql[0].startswith("ALTER TABLE things ADD COLUMN public_search_vector tsvector GENERATED ALWAYS AS")
    assert "public_title" in postgresql[0] and "'A'" in postgresql[0] and "body" not in postgresql[0]
    assert postgresql[1] == "CREATE INDEX things_public_search ON things USING gin (public_search_vector)"
    sqlite = NAMED.forwards("sqlite")
    assert sqlite[0].startswith("CREATE VIRTUAL TABLE things_public_fts USING fts5(public_title, content='things',")
    assert [s.split(" AFTER ")[0] for s in sqlite[2:]] == [
        "CREATE TRIGGER things_public_fts_insert", "CREATE TRIGGER things_public_fts_update",
        "CREATE TRIGGER things_public_fts_delete",
    ]  # fmt: skip
    assert NAMED.backwards("postgresql") == [
        "DROP INDEX things_public_search", "ALTER TABLE things DROP COLUMN public_search_vector"
    ]  # fmt: skip
    assert NAMED.backwards("sqlite")[-1] == "DROP TABLE things_public_fts"
    assert NAMED.forwards("mysql") == [] and NAMED.backwards("oracle") == []


def test_the_migration_operation_takes_and_gives_back_the_name_only_when_there_is_one():
    unnamed = CreateFullTextIndex(table="things", columns=["title", "body"])
    assert unnamed.deconstruct() == ("CreateFullTextIndex", [], {"table": "things", "columns": ["title", "body"]})
    assert unnamed.index == UNNAMED
    named = CreateFullTextIndex(table="things", columns=["public_title"], name="public")
    assert named.deconstruct() == (
        "CreateFullTextIndex", [], {"table": "things", "columns": ["public_title"], "name": "public"}
    )  # fmt: skip
    assert named.index == NAMED
    assert named.describe() == "Create the full-text index public of things (public_title)"


def test_a_condition_reads_its_own_index(db):
    """The SQL of a match names the index's own column (PostgreSQL) or table (SQLite), nothing of another."""
    named = FullTextIndex(table="tickets_ticket", columns=("title",), name="other")
    query = TextQuery.parse("import")
    sql = str(Ticket.objects.filter(TextMatch(named, query)).query)
    unnamed_sql = str(Ticket.objects.filter(TextMatch(FullTextIndex("tickets_ticket", ("title",)), query)).query)
    if connection.vendor == "postgresql":
        assert '"other_search_vector" @@' in sql and '."search_vector" @@' in unnamed_sql
    else:
        assert '"tickets_ticket_other_fts" MATCH' in sql and '"tickets_ticket_fts" MATCH' in unnamed_sql
