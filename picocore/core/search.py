"""Text matched in any case, in any language, on both databases.

PostgreSQL's UPPER() follows the database's collation, which knows that æ and Æ, ø and Ø, å and Å are one
letter; SQLite's UPPER(), LOWER() and LIKE fold only the 26 ASCII letters, so "æble" would not find
"Æbleskiver" there. On SQLite both sides are therefore folded by Python's `str.casefold()`, registered as a
deterministic SQL function on every connection (`register_sqlite_functions`, connected in `CoreConfig.ready`).
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Func, Q, Value
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


def folded_contains(field: str, text: str) -> Q:
    """Rows whose `field` holds `text` in any case, in any language (a LIKE with the text's % and _ escaped)."""
    return Q(Contains(Folded(field), Folded(Value(text))))
