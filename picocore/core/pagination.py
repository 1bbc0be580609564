"""Keyset ("seek") pagination: page N costs the same as page 1, however deep into a long list it is.

The list is ordered by one field (its own, or a related row's: `user__full_name`) and then by id, in the same
direction; the cursor carries the last row's (value, id) and the next page starts strictly after it. Offsets are
never used.
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.utils import timezone

from picocore.core.params import MAX_ID, parse_id


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None
    is_first: bool
    cursor_refused: bool = False  # a cursor was given but cannot be a position in this list: this is page 1


def _encode(value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a position in a list")


def _value(decoded: Any) -> Any:
    """A cursor's value as one of the types `_encode` writes, within what both databases can compare."""
    if isinstance(decoded, dict):
        moment = dt.datetime.fromisoformat(decoded["dt"])
        if timezone.is_naive(moment):
            raise ValueError("a naive datetime")
        moment.astimezone(dt.UTC)  # OverflowError near year 1 or 9999: no database stores such a moment
        return moment
    if isinstance(decoded, bool) or not isinstance(decoded, int | str):
        raise TypeError("not a value a list is ordered by")
    if isinstance(decoded, int) and abs(decoded) > MAX_ID:
        raise ValueError("a number no database column holds")
    if isinstance(decoded, str) and "\x00" in decoded:
        raise ValueError("NUL")
    return decoded


_NULL: Any = object()  # a cursor after the last row that has a value, in a list with its empty values last


def _decode(cursor: str) -> tuple[Any, int] | None:
    """The (value, id) a cursor holds; None for anything `_encode` cannot have written: not base64 or JSON,
    infinity or NaN, a float, an id that is not a positive 64-bit number, a moment out of range. A null value
    comes back as `_NULL`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw, parse_constant=_reject_constant)
        pk = parse_id(pk)
        if pk is None:
            return None
        return (_NULL, pk) if value is None else (_value(value), pk)
    except (ValueError, TypeError, KeyError, OverflowError):
        return None


def _model_field(model: type[Model], path: str) -> Field[Any, Any]:
    """The model field `path` names, following relations (`user__full_name`: the user's `full_name`)."""
    *relations, name = path.split(LOOKUP_SEP)
    for relation in relations:
        related = model._meta.get_field(relation).related_model
        assert isinstance(related, type), path
        model = related
    field = model._meta.get_field(name)
    assert isinstance(field, Field), path
    return field


def _row_value(row: Model, path: str) -> Any:
    """The row's value of `path`, through the related rows the page joined."""
    value: Any = row
    for name in path.split(LOOKUP_SEP):
        value = getattr(value, name)
    return value


def _position(queryset: QuerySet, field: str, cursor: str, *, nulls_last: bool = False) -> tuple[Any, int] | None:
    """The cursor's (value, id) if the value fits `field`. A cursor is user input: one edited by hand, or
    carried over from a list sorted by another field, must not reach the database as a value of the wrong
    type (that is an error, not a page). A null value is a position only in a list with its nulls last."""
    position = _decode(cursor)
    if position is None:
        return None
    value, pk = position
    if value is _NULL:
        return (_NULL, pk) if nulls_last else None
    try:
        value = _model_field(queryset.model, field).to_python(value)
    except (ValidationError, TypeError, ValueError, OverflowError):
        return None
    if value is None or (isinstance(value, dt.datetime) and timezone.is_naive(value)):
        return None
    return value, pk


def _with_related(limited: QuerySet, related: tuple[str, ...]) -> QuerySet:
    """The sliced list's rows by id (`id IN (SELECT id … LIMIT n)`), joined to their related rows and ordered as
    the list. One query still, but PostgreSQL plans the list's own conditions apart from the joins: a queue's
    tenancy and queue conditions joined to six related tables took it 20–70 ms to plan (50 times the time to
    run it), the page's rows by id with the same six joins about 1 ms."""
    rows = limited.model._default_manager.filter(pk__in=limited.values("pk"))
    return rows.select_related(*related).order_by(*limited.query.order_by)


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    descending: bool,
    cursor: str | None,
    size: int,
    nulls_last: bool = False,
    related: tuple[str, ...] = (),
) -> Page:
    """One page of `queryset` ordered by (`field`, id), `field` the rows' own or a related row's (`user__full_name`:
    name that row in `related`, or reading the last row's value costs a query); a malformed cursor gives the first
    page, with `cursor_refused` set so the page can say so. With `nulls_last` (ascending only), rows without a
    value follow all the others, by id. `related` rows (as `select_related` names them) are joined to the page's
    rows only, in the same query: see `_with_related`."""
    if nulls_last and descending:
        raise ValueError("nulls_last is for ascending lists")
    position = _position(queryset, field, cursor, nulls_last=nulls_last) if cursor else None
    direction = "-" if descending else ""
    if nulls_last:
        ordered = queryset.order_by(F(field).asc(nulls_last=True), "id")
    else:
        ordered = queryset.order_by(f"{direction}{field}", f"{direction}id")
    if position is not None:
        value, pk = position
        after = "lt" if descending else "gt"
        if value is _NULL:
            ordered = ordered.filter(Q(**{f"{field}__isnull": True, "id__gt": pk}))
        else:
            later = Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"id__{after}": pk})
            ordered = ordered.filter(later | Q(**{f"{field}__isnull": True}) if nulls_last else later)
    limited = ordered[: size + 1]
    rows = list(_with_related(limited, related) if related else limited)
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode(_row_value(rows[-1], field), rows[-1].pk) if has_more else None
    return Page(
        rows=rows, next_cursor=next_cursor, is_first=position is None, cursor_refused=bool(cursor) and position is None
    )


def query_without_cursor(request: HttpRequest) -> str:
    """The page's query string without its cursor (`after`): what a list's "First page" and "Next" links build on."""
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()
