"""How alike two incident titles are, and how incidents group into clusters: pure functions, no database.

The measure is deliberately simple and deterministic: a title's *words* are its runs of letters and digits,
lower-cased (case-folded) and with accents kept, dropping words shorter than three characters ("a", "is", "på")
and a short list of common English and Danish words; two titles' similarity is the Jaccard index of their word
sets — shared words ÷ all distinct words of both — so "Images missing on product page" and "product page images
missing" are 1.0, "Images missing on product page" and "Images missing in the shop" 0.4. Titles with no words
are never similar. Clusters are the connected groups of titles similar to at least one other member (single
linkage), found in the order given, so the same input always gives the same clusters.
"""

import re
from collections.abc import Sequence

_WORD = re.compile(r"\w+")
MIN_WORD = 3
_STOP = "the and for not with from this that our are was has have when after into all any can cannot does"
_STOP_DA = "der det den til fra med ikke som har kan når efter alle"
STOP_WORDS = frozenset(f"{_STOP} {_STOP_DA}".split())


def words(title: str) -> frozenset[str]:
    """The normalised word set of a title (as the module says)."""
    found = (word.casefold() for word in _WORD.findall(title or ""))
    return frozenset(w for w in found if len(w) >= MIN_WORD and w not in STOP_WORDS and not w.isdigit())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared ÷ all words of two word sets; 0 when either is empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similar(a: frozenset[str], b: frozenset[str], threshold_percent: int) -> bool:
    # Compared in whole numbers, so that 0.5 and a threshold of 50 % agree however the division rounds.
    return bool(a and b) and len(a & b) * 100 >= threshold_percent * len(a | b)


def clusters(word_sets: Sequence[frozenset[str]], threshold_percent: int) -> list[list[int]]:
    """The indexes of `word_sets` grouped by single linkage at the threshold, each group in index order, groups
    ordered by their first index. Only titles sharing a word are compared (an index from each word to its
    titles), so the work grows with the titles that share words, not with every pair."""
    parent = list(range(len(word_sets)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_word: dict[str, list[int]] = {}
    for i, found in enumerate(word_sets):
        for word in found:
            by_word.setdefault(word, []).append(i)
    for i, found in enumerate(word_sets):
        others = sorted({j for word in found for j in by_word[word] if j > i})
        for j in others:
            if root(i) != root(j) and similar(found, word_sets[j], threshold_percent):
                a, b = root(i), root(j)
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(word_sets)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda group: group[0])
