"""The full-text index of one table's text columns, kept by the database itself in the transaction of every
write, whatever code wrote it (a page, an e-mail, a merge, a bulk update, the shell).

- PostgreSQL: a stored generated column `search_vector` (the columns' words in the English and the Danish
  configuration, weighted A, B, C… in column order) with a GIN index `<table>_search`. Nothing can leave it
  stale except a change of the server's dictionaries, which `rebuild` recomputes.
- SQLite: an FTS5 table `<table>_fts` over the columns (external content: it stores the index, not the text;
  rowid = the row's id), Porter stemming over Unicode words without diacritics, with prefix indexes for
  typing-in-progress, kept in step by three triggers.

One table may hold several indexes over different columns (what staff may find and what customers may find of
the same row): each but the first has a `name`, and its column, index and FTS5 table are named after it
(`<name>_search_vector`, `<table>_<name>_search`, `<table>_<name>_fts`), so that a query reads one index only.

Migrations create an index with `picocore.core.fulltext.operations.CreateFullTextIndex`; a change to the statements
here reaches only databases migrated afterwards, so it comes with a migration that recreates the index.
"""

# ruff: noqa: S608 - the names in these statements are the code's own (an index's table and columns), never input

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

LANGUAGES = ("english", "danish")
WEIGHTS = "ABCD"
VECTOR = "search_vector"
# The text of a column the index reads: PostgreSQL refuses a tsvector over 1 MB, and no one searches for
# the 100,001st character of a pasted log.
INDEXED_CHARACTERS = 100_000


@dataclass(frozen=True)
class FullTextIndex:
    """The index of `columns` of `table` (most important first); its rows are found by their `id`."""

    table: str
    columns: tuple[str, ...]
    name: str = ""  # another index of the same table: its own column, GIN index and FTS5 table

    @property
    def _prefix(self) -> str:
        return f"{self.table}_{self.name}" if self.name else self.table

    @property
    def vector(self) -> str:
        """The PostgreSQL column holding the index's words."""
        return f"{self.name}_{VECTOR}" if self.name else VECTOR

    @property
    def fts_table(self) -> str:
        return f"{self._prefix}_fts"

    @property
    def gin_index(self) -> str:
        return f"{self._prefix}_search"

    def _vector(self) -> str:
        parts = [
            f"setweight(to_tsvector('{language}'::regconfig, left(coalesce({column}, ''), {INDEXED_CHARACTERS})),"
            f" '{WEIGHTS[i]}')"
            for i, column in enumerate(self.columns)
            for language in LANGUAGES
        ]
        return " || ".join(parts)

    def forwards(self, vendor: str) -> list[str]:
        """The statements that create the index and fill it from the rows already there."""
        if vendor == "postgresql":
            return [
                f"ALTER TABLE {self.table} ADD COLUMN {self.vector} tsvector GENERATED ALWAYS AS ({self._vector()})"
                " STORED",
                f"CREATE INDEX {self.gin_index} ON {self.table} USING gin ({self.vector})",
            ]
        if vendor != "sqlite":
            return []
        fts, cols = self.fts_table, ", ".join(self.columns)
        new = ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        delete_old = f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
        insert_new = f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.id, {new});"
        return [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{self.table}', content_rowid='id',"
            " tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')",
            f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {self.table} BEGIN {insert_new} END",
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {self.table} BEGIN {delete_old} {insert_new} END",
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {self.table} BEGIN {delete_old} END",
        ]

    def backwards(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [f"DROP INDEX {self.gin_index}", f"ALTER TABLE {self.table} DROP COLUMN {self.vector}"]
        if vendor != "sqlite":
            return []
        fts = self.fts_table
        return [*(f"DROP TRIGGER {fts}_{event}" for event in ("insert", "update", "delete")), f"DROP TABLE {fts}"]

    def rebuild(self, connection: BaseDatabaseWrapper, *, batch: int = 5_000) -> Iterator[int]:
        """Index every row again, `batch` rows per statement, yielding the number of rows done after each, so
        a command can show its progress. On SQLite the old index is emptied first: run it in one transaction,
        so that a search meanwhile reads the old index and a crash leaves it whole. On PostgreSQL each row's
        vector is recomputed where it stands, and a batch may commit on its own."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MIN(id), MAX(id) FROM {self.table}")
            low, high = cursor.fetchone()
            if low is None:
                return
            cols = ", ".join(self.columns)
            if connection.vendor == "sqlite":
                cursor.execute(f"INSERT INTO {self.fts_table} ({self.fts_table}) VALUES ('delete-all')")
            done = 0
            for start in range(low, high + 1, batch):
                if connection.vendor == "sqlite":
                    cursor.execute(
                        f"INSERT INTO {self.fts_table} (rowid, {cols}) SELECT id, {cols} FROM {self.table}"
                        " WHERE id >= %s AND id < %s",
                        [start, start + batch],
                    )
                else:
                    cursor.execute(
                        f"UPDATE {self.table} SET {self.vector} = DEFAULT WHERE id >= %s AND id < %s",
                        [start, start + batch],
                    )
                done += max(cursor.rowcount, 0)
                yield done

    def count(self, connection: BaseDatabaseWrapper) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.table}")
            (rows,) = cursor.fetchone()
        return int(rows)
