"""The piece of a found text that shows why it was found, with the matching words marked.

Built in Python from the text itself (the same on both databases, and never trusting the text: it is
escaped before any mark is added). A word of the text matches a query term when it begins with the term,
or, for terms of four letters or more, with the term's stem-like beginning (all but its last two letters:
"importing" for "imported") or is one typo away from it ("import" for "improt").
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from picocore.core.fulltext.query import FUZZY_FROM, TextQuery, one_edit_away

SNIPPET_CHARACTERS = 220
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


class Highlighter:
    """Marks the words of one query in any number of texts (the query's typo forms computed once)."""

    def __init__(self, query: TextQuery) -> None:
        terms = query.terms
        self._stems = tuple(t[:-2] if len(t) >= FUZZY_FROM + 2 else t for t in terms)
        self._typos: set[str] = set()
        for term in terms:
            if len(term) >= FUZZY_FROM:
                self._typos |= one_edit_away(term)

    def matches(self, word: str) -> bool:
        folded = word.casefold()
        return bool(self._stems) and (folded.startswith(self._stems) or folded in self._typos)

    def mark(self, text: str) -> SafeString:
        """The whole text, escaped, its matching words in <mark>."""
        return self._marked(text, 0, len(text))

    def snippet(self, text: str, *, length: int = SNIPPET_CHARACTERS) -> SafeString:
        """About `length` characters of the text around its first matching word (its beginning when none
        matches), escaped, with "…" where it was cut and its matching words in <mark>."""
        text = " ".join(text.split())
        first = next((m.start() for m in _TOKEN.finditer(text) if self.matches(m.group())), 0)
        start = max(0, first - length // 4)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
        end = min(len(text), start + length)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > first else end
        return mark_safe(  # noqa: S308 - every piece is escaped by _marked
            ("…" if start else "") + self._marked(text, start, end) + ("…" if end < len(text) else "")
        )

    def _marked(self, text: str, start: int, end: int) -> SafeString:
        pieces: list[str] = []
        at = start
        for token in _TOKEN.finditer(text, start, end):
            if self.matches(token.group()):
                pieces += [escape(text[at : token.start()]), "<mark>", escape(token.group()), "</mark>"]
                at = token.end()
        pieces.append(escape(text[at:end]))
        return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped above
