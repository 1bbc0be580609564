"""Full-text search on SQLite (FTS5) and PostgreSQL (tsvector with GIN) behind one interface: a
`FullTextIndex` per table kept by the database, a `TextQuery` read from what a person typed, `TextMatch` and
`TextRank` to filter and order any queryset by it, and a `Highlighter` for the snippets shown."""

from picocore.core.fulltext.expressions import TextMatch, TextRank
from picocore.core.fulltext.index import FullTextIndex
from picocore.core.fulltext.query import TextQuery
from picocore.core.fulltext.snippets import Highlighter

__all__ = ["FullTextIndex", "Highlighter", "TextMatch", "TextQuery", "TextRank"]
