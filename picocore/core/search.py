"""Text matched in any case, in any language, on both databases.

PostgreSQL's UPPER() follows the database's collation, which knows that æ and Æ, ø and Ø, å and Å are one
letter; SQLite's UPPER(), LOWER() and LIKE fold only the 26 ASCII letters, so "æble" would not find
"Æbleskiver" there. On SQLite both sides are therefore folded by Python's `str.casefold()`, registered as a
deterministic SQL function on every connection (`register_sqlite_functions`, connected in `CoreConfig.ready`).

A LIKE with a leading wildcard reads every row it is given. Where a substring index of the field exists, it
narrows them first: on PostgreSQL a GIN trigram index on `UPPER(field)` that the planner uses for the LIKE
itself, on SQLite an FTS5 trigram table of the folded text that `InSubstringIndex` looks the text up in. A
trigram index finds texts of three characters or more; a shorter text is matched by the LIKE alone, over the
rows the query's other conditions leave.
"""

from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, CharField, Expression, F, Func, Q, Value
from django.db.models.lookups import Contains

SQLITE_CASEFOLD = "picocore_casefold"


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def register_sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On each new SQLite connection, the case folding `Folded` calls. Deterministic: the same text always
    folds the same way, so SQLite may also use it in an index expression."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_CASEFOLD, 1, _casefold, deterministic=True)


class Folded(Func):
    """The text in one case: UPPER() on PostgreSQL, Python's casefold() on SQLite. Only ever compared with
    another `Folded`, never shown."""

    function = "UPPER"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function=SQLITE_CASEFOLD, **extra_context)


TRIGRAM = 3  # the shortest text a trigram index can find: shorter texts are matched by the LIKE alone


class InSubstringIndex(Expression):
    """The row is among those an SQLite FTS5 trigram table of the field's folded text (`table`, rowid = the
    row's id, kept in step by triggers) finds `text` in: an index lookup that narrows the LIKE beside it to
    the rows holding the text's trigrams. On PostgreSQL always true: a GIN trigram index on the same
    `UPPER()` expression serves the LIKE itself."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, table: str, text: str) -> None:
        super().__init__()
        self.table, self.text = table, text
        self.row: Any = F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.row]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.row,) = exprs

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        return "TRUE", ()

    def as_sqlite(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        row_sql, row_params = compiler.compile(self.row)
        table = connection.ops.quote_name(self.table)
        # One phrase of the folded text: every character is literal in it except the double quote, doubled.
        phrase = '"' + _casefold(self.text).replace('"', '""') + '"'
        sql = f"{row_sql} IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)"  # noqa: S608 - a quoted table name
        return sql, (*row_params, phrase)


def folded_contains(field: str, text: str, *, substring_index: str | None = None) -> Q:
    """Rows whose `field` holds `text` in any case, in any language (a LIKE with the text's % and _ escaped).
    `substring_index`: the SQLite FTS5 trigram table of the field (see `InSubstringIndex`), used for texts of
    at least three characters; the rows found are exactly the LIKE's either way."""
    condition = Q(Contains(Folded(field), Folded(Value(text))))
    if substring_index is not None and len(_casefold(text)) >= TRIGRAM:
        condition &= Q(InSubstringIndex(substring_index, text))
    return condition
