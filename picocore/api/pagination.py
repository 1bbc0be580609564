"""Cursor pagination for the API over the project's keyset pages (`picocore.core.pagination`): each page
answers `results` and `next`, the absolute URL of the following page (null on the last). Pages are cut by
(sort value, id), never by offset, so page 1,000 costs what page 1 costs and rows added meanwhile shift
nothing. A cursor that is not one this API gave out is 400, not silently the first page."""

from dataclasses import replace
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from picocore.core.errors import ValidationError
from picocore.core.pagination import Page, keyset_page

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size(request: Request) -> int:
    raw = request.query_params.get("page_size", "")
    if not raw:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError(field_errors={"page_size": [_("A whole number from 1 to %(n)d.") % {"n": MAX_PAGE_SIZE}]})
    return int(raw)


def api_page[M: Model](
    request: Request, queryset: QuerySet[M], *, field: str, descending: bool, related: tuple[str, ...] = ()
) -> Page:
    """One page of `queryset` by (`field`, id) at the request's `cursor` and `page_size`; with `related`, its
    rows are read again by id joined to those related rows (`_joined`): two queries, whatever the list's size."""
    cursor = request.query_params.get("cursor") or None
    page = keyset_page(queryset, field=field, descending=descending, cursor=cursor, size=page_size(request))
    if page.cursor_refused:
        raise ValidationError(field_errors={"cursor": [_("This cursor is not one this API gave out.")]})
    return replace(page, rows=_joined(queryset, page.rows, related)) if related and page.rows else page


def _joined[M: Model](queryset: QuerySet[M], rows: list[M], related: tuple[str, ...]) -> list[M]:
    """The page's rows, in their order, read by their ids with their related rows joined. Apart from the page's
    own query because PostgreSQL, given more joins than its `join_collapse_limit` (a ticket's eight related
    tables), keeps them in the written order: it joined every visible ticket (100,000 in bench/api.py) before
    keeping the page's 26 (250 ms); by a list of ids it reads 26 rows by primary key (under 1 ms). The rows are
    read through `queryset` again, so its scope and annotations hold for them."""
    by_id = {
        row.pk: row for row in queryset.filter(pk__in=[row.pk for row in rows]).select_related(*related).order_by()
    }
    return [by_id[row.pk] for row in rows if row.pk in by_id]


def paginated(request: Request, page: Page, results: list[Any]) -> dict[str, Any]:
    """The page's body: `next` is set only when there is a following page."""
    next_url = None
    if page.next_cursor is not None:
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
    return {"next": next_url, "results": results}
