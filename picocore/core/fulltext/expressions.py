"""Conditions and scores over a `FullTextIndex`, for use in any queryset of the indexed model, so that a search
is an ordinary filter over the queryset a person may see (the tenancy scope applies before a word is read).

`TextMatch` is true for the rows holding the query; `TextRank` scores them (PostgreSQL's `ts_rank_cd`, higher
is better; on SQLite a constant, the caller's own order deciding between rows of one tier).
"""

from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, FloatField

from picocore.core.fulltext.index import LANGUAGES, FullTextIndex
from picocore.core.fulltext.query import TextQuery


def _tsquery_sql(query: TextQuery, weight: str) -> tuple[str, tuple[str, ...]]:
    text = query.tsquery(weight=weight)
    joined = " || ".join(f"to_tsquery('{language}'::regconfig, %s)" for language in LANGUAGES)
    return f"({joined})", (text,) * len(LANGUAGES)


class _OverRow(Expression):
    """An expression over the row's id (and so its table alias in the query), for an index and a query."""

    def __init__(self, index: FullTextIndex, query: TextQuery) -> None:
        super().__init__()
        self.index, self.query = index, query
        self.row: Any = F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.row]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.row,) = exprs

    def _vector_sql(self, compiler: Any) -> str:
        return f"{compiler.quote_name(self.row.alias)}.{compiler.quote_name(self.index.vector)}"


class TextMatch(_OverRow):
    """The row holds the query (all its terms, or any with `any_term`); with `title_only`, in the index's first
    column alone."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, index: FullTextIndex, query: TextQuery, *, title_only: bool = False) -> None:
        super().__init__(index, query)
        self.title_only = title_only

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        if not self.query:
            return "FALSE", ()
        tsquery, params = _tsquery_sql(self.query, "A" if self.title_only else "")
        return f"{self._vector_sql(compiler)} @@ {tsquery}", params

    def as_sqlite(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        if not self.query:
            return "0", ()
        row_sql, row_params = compiler.compile(self.row)
        fts = connection.ops.quote_name(self.index.fts_table)
        match = self.query.fts5(column=self.index.columns[0] if self.title_only else None)
        sql = f"{row_sql} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"  # noqa: S608 - a quoted table name
        return sql, (*row_params, match)


class TextRank(_OverRow):
    """How well the row matches the query: PostgreSQL's cover density rank; 0 on SQLite."""

    output_field = FloatField()

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        if not self.query:
            return "0.0", ()
        tsquery, params = _tsquery_sql(self.query, "")
        return f"ts_rank_cd({self._vector_sql(compiler)}, {tsquery})", params

    def as_sqlite(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        return "0.0", ()
