"""/api/v1/time-entries/: the time entries the person may read — the service team those of the organisations it
serves, developers those of their teams' development items, customers what their hours page counts (billable
time on the requests they see, where they read the hours) — the latest logged first, optionally of one request,
and one by id. Any other entry is absent from the list and 404 by id, the same answer as for one that does not
exist.

POST logs time through the hours service the pages use (`time_log`: it decides who may log on the request, the
contract and month it is debited from, and refuses a closed month), on a request or on a development item, and
honours `Idempotency-Key`: a retry with the same key and body answers the first entry and logs nothing."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.conditional import etag_for, tagged_response
from picocore.api.idempotency import idempotent
from picocore.api.pagination import api_page, paginated
from picocore.api.scopes import Scope
from picocore.api.selectors import api_ticket_get
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.time_entries import (
    TimeEntryCreateSerializer,
    TimeEntryPageSerializer,
    TimeEntrySerializer,
)
from picocore.api.views.base import ApiView
from picocore.core.errors import ValidationError
from picocore.development.models import DevelopmentItem
from picocore.development.selectors import development_item_get
from picocore.hours.models import TimeEntry
from picocore.hours.selectors import time_entry_get, time_entry_rows
from picocore.hours.services import time_log
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
LIST_PARAMETERS = [
    OpenApiParameter("ticket", str, description="A request's key: its entries only."),
    OpenApiParameter("cursor", str),
    OpenApiParameter("page_size", int),
]
ENTRY_ID = OpenApiParameter("entry_id", int, OpenApiParameter.PATH)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, description="Retry safely: the same key and body log once."
)


def readers_context(actor: User) -> dict[str, bool]:
    """The service team and the developers read the author and the description; customers do not."""
    return {"staff": bool(actor.staff_role)}


def _entry_body(actor: User, entry: TimeEntry) -> dict[str, Any]:
    return dict(TimeEntrySerializer(entry, context=readers_context(actor)).data)


class TimeEntryListView(ApiView):
    read_scope = Scope.TIME_READ
    write_scope = Scope.TIME_WRITE

    @extend_schema(
        parameters=LIST_PARAMETERS, responses={200: TimeEntryPageSerializer, **ERRORS}, operation_id="time_entries_list"
    )
    def get(self, request: Request) -> Response:
        entries = time_entry_rows(actor=self.actor, ticket_key=request.query_params.get("ticket", ""))
        page = api_page(request, entries, field="created_at", descending=True)
        rows = TimeEntrySerializer(page.rows, many=True, context=readers_context(self.actor)).data
        return Response(paginated(request, page, list(rows)))

    @extend_schema(
        request=TimeEntryCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: TimeEntrySerializer, 422: ErrorSerializer, **ERRORS},
        operation_id="time_entries_create",
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, "time.create", lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        serializer = TimeEntryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item, ticket = self._target(data.get("ticket", ""), data.get("development_item"))
        entry = time_log(
            actor=self.actor,
            ticket=ticket,
            minutes=data["minutes"],
            work_date=data.get("work_date"),
            started_at=data.get("started_at"),
            billable=data["billable"],
            non_billable_reason=data["non_billable_reason"],
            description=data["description"],
            development_item=item,
        )
        entry = time_entry_get(actor=self.actor, entry_id=entry.pk)
        response = Response(_entry_body(self.actor, entry), status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:v1:time-entry", kwargs={"entry_id": entry.pk})
        return response

    def _target(self, key: str, item_id: int | None) -> tuple[DevelopmentItem | None, Ticket]:
        """The development item (of the actor's team) and its request, or the request the actor may read by key;
        NotFound for any other, the same as for a missing one."""
        if item_id is None:
            return None, api_ticket_get(actor=self.actor, key=key)
        item = development_item_get(actor=self.actor, item_id=item_id)
        if key and key.strip().upper() != item.ticket.key.upper():
            raise ValidationError(field_errors={"ticket": [_("The development item belongs to another request.")]})
        return item, item.ticket


class TimeEntryDetailView(ApiView):
    read_scope = Scope.TIME_READ

    @extend_schema(
        parameters=[ENTRY_ID],
        responses={200: TimeEntrySerializer, 304: None, **ERRORS},
        operation_id="time_entries_retrieve",
    )
    def get(self, request: Request, entry_id: int) -> Response:
        entry = time_entry_get(actor=self.actor, entry_id=entry_id)
        context = readers_context(self.actor)
        etag = etag_for("time-entry", entry.pk, f"{entry.updated_at.isoformat()}:{context['staff']}")
        return tagged_response(request, etag, lambda: TimeEntrySerializer(entry, context=context).data)
