"""Keyset ("seek") pagination: page N costs the same as page 1, however deep into a long list it is.

The list is ordered by one field and then by id, in the same direction; the cursor carries the last row's
(value, id) and the next page starts strictly after it. Offsets are never used.
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None
    is_first: bool


def _encode(value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if isinstance(value, dict):
            value = dt.datetime.fromisoformat(value["dt"])
        return value, int(pk)
    except (ValueError, TypeError, KeyError):
        return None


def _position(queryset: QuerySet, field: str, cursor: str) -> tuple[Any, int] | None:
    """The cursor's (value, id) if the value fits `field`. A cursor is user input: one edited by hand, or
    carried over from a list sorted by another field, must not reach the database as a value of the wrong
    type (that is an error, not a page)."""
    position = _decode(cursor)
    if position is None:
        return None
    value, pk = position
    try:
        value = queryset.model._meta.get_field(field).to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None
    if value is None or (isinstance(value, dt.datetime) and timezone.is_naive(value)):
        return None
    return value, pk


def keyset_page(queryset: QuerySet, *, field: str, descending: bool, cursor: str | None, size: int) -> Page:
    """One page of `queryset` ordered by (`field`, id); a malformed cursor gives the first page."""
    position = _position(queryset, field, cursor) if cursor else None
    direction = "-" if descending else ""
    ordered = queryset.order_by(f"{direction}{field}", f"{direction}id")
    if position is not None:
        value, pk = position
        after = "lt" if descending else "gt"
        ordered = ordered.filter(Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"id__{after}": pk}))
    rows = list(ordered[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode(getattr(rows[-1], field), rows[-1].pk) if has_more else None
    return Page(rows=rows, next_cursor=next_cursor, is_first=position is None)
