"""Pure helpers for text that comes from outside (forms, e-mail, API) on its way to the database or a header.

PostgreSQL refuses NUL in text columns, header values must be one line, and columns have maximum lengths:
every derived or external text passes through these before it is saved or sent, so the same input behaves
the same on SQLite and PostgreSQL.
"""

import os
import re
import unicodedata
from collections.abc import Mapping

from django.utils.functional import lazy

ELLIPSIS = "…"
# Every character Python's str.splitlines() breaks on, plus NUL: none may appear in a one-line value.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def without_nul(text: str) -> str:
    """`text` with every NUL character removed (PostgreSQL cannot store them)."""
    return text.replace("\x00", "")


def has_line_break(text: str) -> bool:
    """Whether `text` holds any line break (CR, LF or a Unicode line/paragraph separator)."""
    return bool(_LINE_BREAKS.search(text))


def one_line(text: str) -> str:
    """`text` on one line: NUL removed, every run of line breaks replaced by one space, ends trimmed."""
    return _LINE_BREAKS.sub(" ", without_nul(text)).strip()


def truncate(text: str, max_length: int) -> str:
    """`text` cut to at most `max_length` characters, ending in "…" when it was cut."""
    if max_length <= 0:
        return ""
    if len(text) <= max_length:
        return text
    return text[: max_length - 1].rstrip() + ELLIPSIS


def truncate_bytes(text: str, max_bytes: int, *, encoding: str = "utf-8") -> str:
    """The longest prefix of `text` whose encoding fits in `max_bytes`, never splitting a character."""
    encoded = text.encode(encoding)
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode(encoding, errors="ignore")


def shorten_filename(name: str, *, max_bytes: int = 100, max_chars: int | None = None) -> str:
    """`name` (NFC-normalised, NUL removed, on one line) shortened so its UTF-8 form fits in `max_bytes`
    (and, if given, `max_chars` characters), keeping its extension: "rapport-…-final.pdf" stays a PDF."""
    name = unicodedata.normalize("NFC", one_line(name))
    stem, extension = os.path.splitext(name)
    if len(extension.encode()) > max_bytes // 2:  # an "extension" that long is part of the name
        stem, extension = name, ""
    if max_chars is not None and len(name) > max_chars:
        stem = stem[: max(max_chars - len(extension), 1)]
    budget = max_bytes - len(extension.encode())
    return truncate_bytes(stem, budget).rstrip(" .") + extension


def _percent(template: object, values: Mapping[str, object]) -> str:
    return str(template) % {name: str(value) for name, value in values.items()}


# `lazy_percent(gettext_lazy("Reason: %(reason)s"), {"reason": …})`: a %-formatted text translated when it is
# read, not when it is built, so each reader (each recipient of a notification) reads it in their language;
# the values may be lazy too.
lazy_percent = lazy(_percent, str)
