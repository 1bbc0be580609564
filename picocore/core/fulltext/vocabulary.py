"""Which of some words the full-text indexes hold: the spellings a typo may have meant, looked up once so that
the search asks the index for those few, not for every one-letter edit of every word (on PostgreSQL a query
of several hundred alternatives is evaluated row by row and took seconds).

The lookup is not scoped to what the person may see: it only decides which spellings the search then asks
for, and the search itself is scoped, so a spelling found only in another organisation's text finds nothing
for them. SQLite's FTS5 reads long alternatives from its index alone: every spelling is kept there.
"""

from collections.abc import Sequence

from django.db import connection

from picocore.core.fulltext.index import LANGUAGES, FullTextIndex
from picocore.core.fulltext.planning import from_the_indexes

MAX_LOOKED_UP = 2_000  # spellings per lookup: the edits of a few long words


def held_words(indexes: Sequence[FullTextIndex], words: set[str]) -> set[str]:
    """The `words` (letters only) found in at least one of the indexes, in any of their languages."""
    candidates = sorted(w for w in words if w.isalpha())[:MAX_LOOKED_UP]
    if connection.vendor != "postgresql" or not candidates:
        return set(candidates)
    tsquery = " || ".join(f"to_tsquery('{language}'::regconfig, '''' || w || '''')" for language in LANGUAGES)
    held = " OR ".join(
        f"EXISTS (SELECT 1 FROM {index.table} WHERE {index.vector} @@ ({tsquery}))"  # noqa: S608 - the code's own names
        for index in indexes
    )
    # Each spelling is one index probe. The planner, not knowing the words, would rather read the table until
    # a row holds one, which for a spelling no row holds is the whole table, once per spelling.
    with from_the_indexes(), connection.cursor() as cursor:
        cursor.execute(f"SELECT w FROM unnest(%s::text[]) AS w WHERE {held}", [candidates])  # noqa: S608
        return {row[0] for row in cursor.fetchall()}
