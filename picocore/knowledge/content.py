"""Pure helpers for an article's text: sanitising its HTML (nh3), its plain text for the search index, the
personal data a draft made from a ticket may still hold, the difference between two versions, and whether a
product version falls in an article's range. No database."""

import difflib
import re
from dataclasses import dataclass

import nh3

from picocore.core.text import without_nul
from picocore.mail.content import html_to_text

# What an article may hold: structure, emphasis, code, tables and links. No images (files are attachments),
# no scripts, styles, forms, frames or event handlers.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3", "h4",
        "hr", "i", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "ol": frozenset({"start"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
}
# Removed with everything inside them, not only their tags.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object", "title", "head"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"


def sanitise(html: str) -> str:
    """HTML safe to show inside our pages (see ALLOWED_TAGS): links keep http(s)/mailto addresses only and get
    rel="noopener noreferrer"; comments, scripts, styles and every event handler are removed. NUL removed."""
    return nh3.clean(
        without_nul(html or ""),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def plain_text(safe_html: str) -> str:
    """The readable plain text of sanitised HTML: what the search engine indexes and the diff compares."""
    return html_to_text(safe_html)


@dataclass(frozen=True)
class Finding:
    """Personal data found in a draft: what (`label`: name, e-mail, organisation), the text searched for, and
    each place it occurs as (before, match, after) snippets."""

    label: str
    term: str
    places: tuple[tuple[str, str, str], ...]


CONTEXT = 40


def find_terms(text: str, terms: list[tuple[str, str]], *, limit: int = 5) -> list[Finding]:
    """Where each (label, term) occurs in `text`, case-insensitively, at most `limit` places each; terms shorter
    than three characters are not looked for (they would match everywhere)."""
    findings = []
    for label, term in terms:
        term = term.strip()
        if len(term) < 3:
            continue
        places = []
        for match in re.finditer(re.escape(term), text, re.IGNORECASE):
            start, end = match.span()
            before = text[max(0, start - CONTEXT) : start]
            after = text[end : end + CONTEXT]
            places.append((before, match.group(0), after))
            if len(places) >= limit:
                break
        if places:
            findings.append(Finding(label=label, term=term, places=tuple(places)))
    return findings


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added" or "removed"
    text: str


def diff(before: str, after: str) -> list[DiffLine]:
    """Line by line, what changed from `before` to `after` (plain texts)."""
    lines = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        code, text = line[:2], line[2:]
        if code == "? ":
            continue
        lines.append(DiffLine({"+ ": "added", "- ": "removed"}.get(code, "same"), text))
    return lines


_NUMBERS = re.compile(r"\d+")
_TRAILING_VERSION = re.compile(r"^(?P<name>.*?)\s*v?(?P<version>\d+(?:\.\d+)*)\s*$", re.IGNORECASE)


def version_key(version: str) -> tuple[int, ...] | None:
    """ "7.1.3" as (7, 1, 3), for comparing; None when it holds no number."""
    numbers = tuple(int(n) for n in _NUMBERS.findall(version or "")[:6])
    return numbers or None


def split_product(product: str) -> tuple[str, str]:
    """A solution's product as (name, version): "Akeneo 7" → ("Akeneo", "7"), "Sitecore XM" → ("Sitecore XM", "")."""
    match = _TRAILING_VERSION.match(product.strip())
    if match is None or not match.group("name"):
        return product.strip(), ""
    return match.group("name").strip(), match.group("version")


def _padded(key: tuple[int, ...], length: int) -> tuple[int, ...]:
    return key + (0,) * (length - len(key))


def version_in_range(version: str, version_from: str, version_to: str) -> bool:
    """Whether `version` lies in [from, to] (either bound may be empty: open). "7" is within "7"–"7" and so is
    "7.2" (a bound names a whole line of versions at its own precision). No version given: only an open range."""
    low, high, key = version_key(version_from), version_key(version_to), version_key(version)
    if low is None and high is None:
        return True
    if key is None:
        return False
    if low is not None and _padded(key[: len(low)], len(low)) < low:
        return False
    return not (high is not None and _padded(key[: len(high)], len(high)) > high)


def applies_to_product(*, product: str, version_from: str, version_to: str, solution_product: str) -> bool:
    """Whether an article about `product` (and versions) applies to a solution whose product reads
    `solution_product` (e.g. "Akeneo 7"). An article naming no product applies to none by product."""
    if not product.strip():
        return False
    name, version = split_product(solution_product)
    wanted = product.strip().casefold()
    if wanted not in (name.casefold(), solution_product.strip().casefold()):
        return False
    return version_in_range(version, version_from, version_to)
