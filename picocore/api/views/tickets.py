"""/api/v1/tickets/: list (the desk's filters), create, detail, timeline, attachments and every action of the
desk — each through the same selector or service as the pages, which decide access themselves.

Reads carry an `ETag`; `If-None-Match` answers 304. Actions take `If-Match` (412 when the ticket changed since
it was read; required on a transition, 428 without it) and run under the ticket's row lock, so the check and
the change see one version. Creates (the ticket, a reply, a note) honour `Idempotency-Key`."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.conditional import check_if_match, etag_for, not_modified
from picocore.api.idempotency import idempotent
from picocore.api.pagination import api_page, paginated
from picocore.api.scopes import Scope
from picocore.api.selectors import (
    TICKET_RELATED,
    api_attachment_get,
    api_filing_target,
    api_ticket_get,
    api_tickets,
    api_timeline,
    works_as_staff,
)
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.tickets import (
    AssignSerializer,
    EventCreatedSerializer,
    LinkSerializer,
    MergeSerializer,
    NextStepSerializer,
    PrioritySerializer,
    TextSerializer,
    TicketCreateSerializer,
    TicketPageSerializer,
    TicketSerializer,
    TimelineSerializer,
    TransitionSerializer,
)
from picocore.api.views.base import ApiView
from picocore.audit.services import access_record
from picocore.catalog.forms import ANSWER_PREFIX, RequestForm
from picocore.catalog.selectors import offer_get
from picocore.core.errors import ValidationError
from picocore.core.params import parse_id
from picocore.tenancy.models import Team, User
from picocore.tickets.choices import Channel
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.queues import Filters
from picocore.tickets.services.conversation import ticket_add_note, ticket_reply
from picocore.tickets.services.creation import ticket_create
from picocore.tickets.services.lifecycle import ticket_transition
from picocore.tickets.services.ownership import ticket_assign, ticket_change_priority, ticket_set_next_step
from picocore.tickets.services.relations import ticket_link, ticket_merge

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
CHANGE_ERRORS = {**ERRORS, **{code: OpenApiResponse(ErrorSerializer) for code in (409, 412)}}
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description="The ETag last read.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, description="Retry safely: the same key and body create once."
)
FILTERS = [
    OpenApiParameter("organisation", int, description="Organisation id."),
    OpenApiParameter("type", str, description="incident, service_request, change_request, …"),
    OpenApiParameter("priority", int),
    OpenApiParameter("status", str),
    OpenApiParameter("solution", int),
    OpenApiParameter("assignee", int),
    OpenApiParameter("q", str, description="Words, or a key, as in the desk's search."),
    OpenApiParameter("cursor", str),
    OpenApiParameter("page_size", int),
]


def ticket_etag(ticket: Ticket) -> str:
    return etag_for("ticket", ticket.pk, ticket.updated_at.isoformat())


def _validated(serializer_class: type[Any], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _ticket_response(ticket: Ticket, *, status_code: int = status.HTTP_200_OK) -> Response:
    response = Response(TicketSerializer(ticket).data, status=status_code)
    response["ETag"] = ticket_etag(ticket)
    return response


def _opened(actor: User, *, ticket_id: int, organisation_id: int) -> None:
    """A member of staff read the ticket (or a file of it) through the API: into its organisation's access
    log, as the desk's page does (a customer reading their own request is not recorded)."""
    if works_as_staff(actor):
        access_record(actor=actor, ticket_id=ticket_id, organisation_id=organisation_id)


def _filters(request: Request) -> Filters:
    params = request.query_params
    errors: dict[str, list[str]] = {}

    def number(name: str) -> int | None:
        raw = params.get(name, "")
        if not raw:
            return None
        value = parse_id(raw)
        if value is None:
            errors[name] = [_("A positive whole number.")]
        return value

    filters = Filters(
        organisation=number("organisation"),
        ticket_type=params.get("type") or None,
        priority=number("priority"),
        status=params.get("status") or None,
        solution=number("solution"),
        assignee=number("assignee"),
        text=params.get("q", "").replace("\x00", " ")[:500],
    )
    if errors:
        raise ValidationError(field_errors=errors)
    return filters


class TicketListView(ApiView):
    """Requests you may see, most recently updated first, filtered as in the desk (text search covers internal
    notes only for the service team). POST files a new request: as a customer for yourself, as the service team
    for a member named by `requester`."""

    read_scope = Scope.TICKETS_READ
    write_scope = Scope.TICKETS_WRITE

    @extend_schema(parameters=FILTERS, responses={200: TicketPageSerializer, **ERRORS}, operation_id="tickets_list")
    def get(self, request: Request) -> Response:
        tickets = api_tickets(actor=self.actor, filters=_filters(request))
        page = api_page(request, tickets, field="updated_at", descending=True, related=TICKET_RELATED)
        return Response(paginated(request, page, list(TicketSerializer(page.rows, many=True).data)))

    @extend_schema(
        request=TicketCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: TicketSerializer, 422: ErrorSerializer, **ERRORS},
        operation_id="tickets_create",
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, "tickets.create", lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = _validated(TicketCreateSerializer, request)
        organisation, requester, membership = api_filing_target(
            actor=self.actor, slug=data["organisation"], requester_email=data.get("requester", "")
        )
        offer = offer_get(organisation=organisation, slug=data["request_type"])
        answers = data.get("answers") or {}
        form_data: dict[str, Any] = {
            "title": data["title"],
            "description": data["description"],
            "impact": data.get("impact", offer.request_type.default_impact),
            "urgency": data.get("urgency", offer.request_type.default_urgency),
            "component": data.get("component") or "",
            **{ANSWER_PREFIX + str(key): value for key, value in answers.items()},
        }
        form = RequestForm(form_data, {}, request_type=offer.request_type, organisation=organisation)
        if not form.is_valid():
            raise ValidationError(
                field_errors={
                    (name.removeprefix(ANSWER_PREFIX) if name.startswith(ANSWER_PREFIX) else name) or "request": [
                        str(message) for message in messages
                    ]
                    for name, messages in form.errors.items()
                }
            )
        arguments = form.ticket_arguments()
        arguments.pop("submission", None)
        ticket = ticket_create(
            actor=self.actor,
            organisation=organisation,
            offer=offer,
            membership=membership,
            requester=requester,
            channel=Channel.API,
            **arguments,
        )
        ticket = api_ticket_get(actor=self.actor, key=ticket.key)
        response = _ticket_response(ticket, status_code=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:v1:ticket", kwargs={"key": ticket.key})
        return response


class TicketDetailView(ApiView):
    """One request, with an `ETag`; `If-None-Match` with it answers 304 while the request is unchanged."""

    read_scope = Scope.TICKETS_READ

    @extend_schema(responses={200: TicketSerializer, 304: None, **ERRORS}, operation_id="tickets_retrieve")
    def get(self, request: Request, key: str) -> Response:
        ticket = api_ticket_get(actor=self.actor, key=key)
        _opened(self.actor, ticket_id=ticket.pk, organisation_id=ticket.organisation_id)
        etag = ticket_etag(ticket)
        if not_modified(request, etag):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag
            return response
        return _ticket_response(ticket)


class TimelineView(ApiView):
    """The request's timeline, oldest first: customers read the public entries, the service team all of them."""

    read_scope = Scope.TICKETS_READ

    @extend_schema(responses={200: TimelineSerializer, **ERRORS}, operation_id="tickets_timeline")
    def get(self, request: Request, key: str) -> Response:
        ticket = api_ticket_get(actor=self.actor, key=key)
        _opened(self.actor, ticket_id=ticket.pk, organisation_id=ticket.organisation_id)
        events = list(api_timeline(actor=self.actor, ticket=ticket))
        body = TimelineSerializer({"results": events}, context={"ticket": ticket}).data
        response = Response(body)
        response["ETag"] = etag_for("timeline", ticket.pk, f"{ticket.updated_at.isoformat()}:{len(events)}")
        return response


class AttachmentView(ApiView):
    """One attached file, as a download (internal files only for the service team)."""

    read_scope = Scope.TICKETS_READ

    @extend_schema(responses={(200, "application/octet-stream"): bytes, **ERRORS}, operation_id="tickets_attachment")
    def get(self, request: Request, key: str, attachment_id: int) -> FileResponse:
        attachment = api_attachment_get(actor=self.actor, key=key, attachment_id=attachment_id)
        _opened(self.actor, ticket_id=attachment.ticket_id, organisation_id=attachment.organisation_id)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class TicketActionView(ApiView):
    """An action on one ticket: under its row lock, after the If-Match check."""

    write_scope = Scope.TICKETS_WRITE
    if_match_required = False

    def change(self, request: Request, key: str, apply: Callable[[Ticket], object]) -> Ticket:
        with transaction.atomic():
            ticket = api_ticket_get(actor=self.actor, key=key)
            ticket = Ticket.objects.select_for_update(of=("self",)).select_related(*TICKET_RELATED).get(pk=ticket.pk)
            check_if_match(request, ticket_etag(ticket), required=self.if_match_required)
            apply(ticket)
        return api_ticket_get(actor=self.actor, key=key)


def _event_created(key: str, event: TicketEvent) -> Response:
    response = Response(EventCreatedSerializer(event).data, status=status.HTTP_201_CREATED)
    response["Location"] = reverse("api:v1:ticket-timeline", kwargs={"key": key})
    return response


class ReplyView(TicketActionView):
    """A public reply, seen by the customer."""

    @extend_schema(
        request=TextSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={201: EventCreatedSerializer, **CHANGE_ERRORS},
        operation_id="tickets_reply",
    )
    def post(self, request: Request, key: str) -> Response:
        def create() -> Response:
            body = _validated(TextSerializer, request)["body"]
            created: list[TicketEvent] = []
            self.change(request, key, lambda t: created.append(ticket_reply(actor=self.actor, ticket=t, body=body)))
            return _event_created(key, created[0])

        return idempotent(request, f"tickets.reply:{key}", create)


class NoteView(TicketActionView):
    """An internal note (the service team only), never shown to the customer."""

    @extend_schema(
        request=TextSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={201: EventCreatedSerializer, **CHANGE_ERRORS},
        operation_id="tickets_note",
    )
    def post(self, request: Request, key: str) -> Response:
        def create() -> Response:
            body = _validated(TextSerializer, request)["body"]
            created: list[TicketEvent] = []
            self.change(request, key, lambda t: created.append(ticket_add_note(actor=self.actor, ticket=t, body=body)))
            return _event_created(key, created[0])

        return idempotent(request, f"tickets.note:{key}", create)


class TransitionView(TicketActionView):
    """Move the request to another status. `If-Match` is required (428 without it, 412 when stale); a status
    the lifecycle does not allow from the current one is 409, listing the allowed ones."""

    if_match_required = True

    @extend_schema(
        request=TransitionSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, 428: ErrorSerializer, **CHANGE_ERRORS},
        operation_id="tickets_transition",
    )
    def post(self, request: Request, key: str) -> Response:
        data = _validated(TransitionSerializer, request)
        ticket = self.change(
            request, key, lambda t: ticket_transition(actor=self.actor, ticket=t, to=data["to"], note=data["note"])
        )
        return _ticket_response(ticket)


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationError(field_errors={"team": [_("No such team.")]})
    return team


def _user(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError(field_errors={field: [_("No such person.")]})
    return user


class AssignView(TicketActionView):
    """Give the request an owning team and optionally a consultant of it (the service team only)."""

    @extend_schema(
        request=AssignSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **CHANGE_ERRORS},
        operation_id="tickets_assign",
    )
    def post(self, request: Request, key: str) -> Response:
        data = _validated(AssignSerializer, request)

        def apply(ticket: Ticket) -> object:
            team = _team(data.get("team")) if "team" in data else ticket.team
            assignee = _user(data.get("assignee"), "assignee")
            return ticket_assign(actor=self.actor, ticket=ticket, team=team, assignee=assignee)

        return _ticket_response(self.change(request, key, apply))


class NextStepView(TicketActionView):
    """Set what happens next and by when, as the customer sees it (the service team only)."""

    @extend_schema(
        request=NextStepSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **CHANGE_ERRORS},
        operation_id="tickets_next_step",
    )
    def post(self, request: Request, key: str) -> Response:
        data = _validated(NextStepSerializer, request)
        ticket = self.change(
            request,
            key,
            lambda t: ticket_set_next_step(actor=self.actor, ticket=t, text=data["text"], due=data.get("due")),
        )
        return _ticket_response(ticket)


class PriorityView(TicketActionView):
    """Override the priority with a reason (the service team only)."""

    @extend_schema(
        request=PrioritySerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **CHANGE_ERRORS},
        operation_id="tickets_priority",
    )
    def post(self, request: Request, key: str) -> Response:
        data = _validated(PrioritySerializer, request)
        ticket = self.change(
            request,
            key,
            lambda t: ticket_change_priority(
                actor=self.actor, ticket=t, priority=data["priority"], reason=data["reason"]
            ),
        )
        return _ticket_response(ticket)


class LinkView(TicketActionView):
    """Relate the request to another one you work on (the service team only)."""

    @extend_schema(
        request=LinkSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **CHANGE_ERRORS},
        operation_id="tickets_link",
    )
    def post(self, request: Request, key: str) -> Response:
        data = _validated(LinkSerializer, request)

        def apply(ticket: Ticket) -> object:
            other = api_ticket_get(actor=self.actor, key=data["other"])
            return ticket_link(actor=self.actor, ticket=ticket, other=other, kind=data["kind"])

        return _ticket_response(self.change(request, key, apply))


class MergeView(TicketActionView):
    """Close the request as a duplicate of another one (the service team only)."""

    @extend_schema(
        request=MergeSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **CHANGE_ERRORS},
        operation_id="tickets_merge",
    )
    def post(self, request: Request, key: str) -> Response:
        data = _validated(MergeSerializer, request)

        def apply(ticket: Ticket) -> object:
            into = api_ticket_get(actor=self.actor, key=data["into"])
            return ticket_merge(actor=self.actor, duplicate=ticket, into=into)

        return _ticket_response(self.change(request, key, apply))
