"""The best rows of a queryset for what a person typed, read from one index: those holding the words in the
title first, then by how well they match (PostgreSQL) and the caller's own order; when the exact words find
nothing, the same with one typo forgiven per word. One query when the words are found, two or three when
they are not (the spellings a typo may have meant are looked up on PostgreSQL), whatever the number of rows."""

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from picocore.core.fulltext.expressions import TextMatch, TextRank
from picocore.core.fulltext.index import FullTextIndex
from picocore.core.fulltext.query import TextQuery
from picocore.core.fulltext.vocabulary import held_words


def best_first(rows: QuerySet[Any], index: FullTextIndex, query: TextQuery, *then: str) -> QuerySet[Any]:
    """The rows holding the query, each with `search_tier` (1: the words are in the index's first column, the
    title) and `search_rank`, best first, then by `then`."""
    tier = Case(When(TextMatch(index, query, title_only=True), then=Value(1)), default=Value(0),
                output_field=IntegerField())  # fmt: skip
    return (
        rows.filter(TextMatch(index, query))
        .annotate(search_tier=tier, search_rank=TextRank(index, query))
        .order_by("-search_tier", "-search_rank", *then)
    )


def best_rows(
    rows: QuerySet[Any], index: FullTextIndex, text: str, *, size: int, then: tuple[str, ...], prefix_last: bool = False
) -> tuple[list[Any], TextQuery]:
    """The best `size + 1` rows of `rows` for `text` (the extra one says there are more), and the query that found
    them: the exact words, or, when they find none, the words with one typo forgiven (`query.fuzzy`), asking
    only for spellings the index holds. `rows` are what the person may see: a spelling only another
    organisation uses finds nothing."""
    query = TextQuery.parse(text, prefix_last=prefix_last)
    if not query:
        return [], query
    found = list(best_first(rows, index, query, *then)[: size + 1])
    if found or not query.forgivable:
        return found, query
    looser = query.fuzzier(known=lambda words: held_words((index,), words))
    return list(best_first(rows, index, looser, *then)[: size + 1]), looser
