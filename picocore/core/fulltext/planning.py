"""Reading matches from the full-text indexes even where PostgreSQL's planner guesses otherwise.

The planner's guess of how many rows hold a word (and far worse, a word's prefix) is often off by orders of
magnitude: guessing a few percent of a table, it reads the whole table rather than ask its index, which for a
word no row holds is seconds wasted. Inside `from_the_indexes()` a statement reads a table whole only when no
index can answer it. Nothing changes on SQLite, whose FTS5 tables are indexes.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def from_the_indexes() -> Iterator[None]:
    """A transaction (or savepoint) in which the statements run read their rows through indexes wherever they
    can; the setting ends with it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        yield
