"""What a person typed into a search box, read once into words and phrases, and written out as each
database's full-text query language.

The reading is forgiving: anything that is not a letter or a digit separates words, a pair of double quotes
holds a phrase, an unpaired quote is ignored, and no input is an error. Because only letters and digits
survive, the query strings built here cannot carry an operator or a quote of their own into the database's
parser.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

MAX_TERMS = 8  # more words than this narrow nothing a person would notice, and each costs an index lookup
MAX_WORD = 40  # longer "words" are pasted hashes or URLs: cut, and matched by their beginning
FUZZY_FROM = 4  # words shorter than this are not spelling-corrected: every edit of them is another word
# The letters a misspelt word may have lost or gained; the edits of a word stay a few hundred.
ALPHABET = "abcdefghijklmnopqrstuvwxyzæøåäöüé"
KEPT_LETTERS = 1  # the letters at the start of a word no typo is looked for in

_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words_of(text: str) -> list[str]:
    """The words of a text in one case (letters and digits only), in order."""
    return [w[:MAX_WORD] for w in _WORD.findall(text.casefold())]


@dataclass(frozen=True)
class TextQuery:
    """Words that must all be found (each anywhere), phrases whose words must be found in order, and how
    loosely: `prefix_last` lets the last word be the beginning of a word (typing in progress), `fuzzy` lets
    every word of `FUZZY_FROM` letters or more be one edit away (a typo), `any_term` asks for at least one
    term instead of all (suggestions, ranked by how many they hold)."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefix_last: bool = False
    fuzzy: bool = False
    any_term: bool = False
    # With `fuzzy`: the spellings one edit away of each word that the index holds, when they were looked up
    # (`picocore.core.fulltext.vocabulary`); every edit otherwise.
    known_edits: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    @classmethod
    def parse(cls, text: str, *, prefix_last: bool = False, any_term: bool = False) -> "TextQuery":
        """The query a search box's text asks for; empty (`bool(query)` false) when it holds no word."""
        phrases: list[tuple[str, ...]] = []
        for quoted in _PHRASE.findall(text):
            phrase = tuple(words_of(quoted))
            if len(phrase) > 1:
                phrases.append(phrase)
            elif phrase:
                text += f" {phrase[0]}"
        words = words_of(_PHRASE.sub(" ", text))
        # A word typed twice narrows nothing; the phrases count towards the same limit.
        unique = list(dict.fromkeys(words))[: max(0, MAX_TERMS - len(phrases))]
        ends_in_word = bool(text) and bool(_WORD.fullmatch(text[-1:].casefold()))
        return cls(
            words=tuple(unique),
            phrases=tuple(phrases[:MAX_TERMS]),
            prefix_last=prefix_last and ends_in_word and bool(unique) and unique[-1] == (words or [""])[-1],
            any_term=any_term,
        )

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def forgivable(self) -> bool:
        """Whether a typo could be forgiven in it: it holds a word long enough (phrases are taken as typed)."""
        return not self.fuzzy and any(self._fuzzable(w) for w in self.words)

    def fuzzier(self, known: Callable[[set[str]], set[str]] | None = None) -> "TextQuery":
        """The same query with every long enough word allowed one typo; `known`, given every spelling one edit
        away of the words, says which of them the index holds, so that only those are asked for."""
        if known is None:
            return replace(self, fuzzy=True)
        edits = {word: one_edit_away(word) for word in self.words if self._fuzzable(word)}
        held = known(set().union(*edits.values())) if edits else set()
        return replace(
            self, fuzzy=True, known_edits=tuple((word, tuple(sorted(e & held))) for word, e in edits.items())
        )

    @staticmethod
    def _fuzzable(word: str) -> bool:
        return len(word) >= FUZZY_FROM and word.isalpha()

    @property
    def terms(self) -> tuple[str, ...]:
        """Every word the query holds, its phrases' words included: what a snippet highlights."""
        return tuple(dict.fromkeys([*self.words, *(w for phrase in self.phrases for w in phrase)]))

    def _alternatives(self, word: str) -> list[str]:
        if not (self.fuzzy and self._fuzzable(word)):
            return [word]
        if self.known_edits is not None:
            return [word, *dict(self.known_edits).get(word, ())]
        return [word, *sorted(one_edit_away(word))]

    def _is_prefix(self, index: int) -> bool:
        return self.prefix_last and index == len(self.words) - 1

    def fts5(self, *, column: str | None = None) -> str:
        """The query in SQLite FTS5's MATCH syntax, optionally limited to one column of the table."""
        parts: list[str] = []
        for i, word in enumerate(self.words):
            star = "*" if self._is_prefix(i) else ""
            parts.append(_any(f'"{alt}"{star}' for alt in self._alternatives(word)))
        parts.extend('"' + " ".join(phrase) + '"' for phrase in self.phrases)
        joined = (" OR " if self.any_term else " AND ").join(parts)
        return f"{column} : ({joined})" if column else joined

    def tsquery(self, *, weight: str = "") -> str:
        """The query in PostgreSQL's `to_tsquery` syntax; `weight` ("A") finds it only in the columns of that
        weight (the title). The database stems each word in the configuration it is parsed with."""
        label = f":{weight}" if weight else ""
        parts: list[str] = []
        for i, word in enumerate(self.words):
            star = ":*" if self._is_prefix(i) else ""
            suffix = f"{star}{weight}" if star else label
            parts.append(_any((f"'{alt}'{suffix}" for alt in self._alternatives(word)), joiner=" | "))
        parts.extend("(" + " <-> ".join(f"'{w}'{label}" for w in phrase) + ")" for phrase in self.phrases)
        return (" | " if self.any_term else " & ").join(parts)


def _any(alternatives: Iterable[str], *, joiner: str = " OR ") -> str:
    listed = list(alternatives)
    return listed[0] if len(listed) == 1 else "(" + joiner.join(listed) + ")"


def one_edit_away(word: str, *, kept: int = KEPT_LETTERS) -> set[str]:
    """Every other text one edit from `word` after its first `kept` letters: a letter deleted, two neighbours
    swapped, one replaced or one inserted (Damerau–Levenshtein distance 1), over `ALPHABET`. The first letter
    stays: people rarely mistype it, and without it the edits would reach other words' stems ("kolding" →
    "olding", which the stemmer reads as "old")."""
    head, tail = word[:kept], word[kept:]
    splits = [(tail[:i], tail[i:]) for i in range(len(tail) + 1)]
    deleted = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaced = {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    inserted = {a + c + b for a, b in splits for c in ALPHABET}
    return {head + w for w in deleted | swapped | replaced | inserted if head + w != word}
