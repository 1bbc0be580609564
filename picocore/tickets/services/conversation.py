"""Public replies and internal notes."""

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, PermissionDenied, ValidationError
from picocore.tenancy.models import User
from picocore.tickets.attachments import CheckedUpload, check_uploads
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.services.common import locked, record_event, store_attachments, touch
from picocore.tickets.services.lifecycle import apply_transition, reopen_deadline


def _checked(body: str, files: list | None, *, field: str) -> tuple[str, list[CheckedUpload]]:
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    uploads: list[CheckedUpload] = []
    try:
        uploads = check_uploads(files or [])
    except ValidationError as error:
        errors.update(error.field_errors)
    if not body and not files:
        errors[field] = [_("Write a reply or attach a file before sending.")]
    if errors:
        raise ValidationError(field_errors=errors)
    return body, uploads


def _refuse_finished(ticket: Ticket) -> None:
    if ticket.status in (Status.CLOSED, Status.CANCELLED):
        raise InvalidTransition(
            _("%(key)s is %(status)s and takes no more replies; please submit a new request.")
            % {"key": ticket.key, "status": ticket.get_status_display().lower()}
        )


def ticket_reply(
    *, actor: User, ticket: Ticket, body: str, files: list | None = None, data: dict | None = None
) -> TicketEvent:
    """Add a public reply (with attachments) to the ticket's timeline; files sent without text are recorded
    as `attachment_added`. `data` is kept on the event (a reply by e-mail: {"channel": "email", "inbound": id}).

    A customer's reply hands the ticket back to the team: from waiting on customer, and from resolved within
    the reopen window (after it, the customer is asked for a new request). Closed and cancelled tickets take
    no more replies.
    """
    body, uploads = _checked(body, files, field="body")
    kind = EventKind.PUBLIC_REPLY if body else EventKind.ATTACHMENT_ADDED
    with transaction.atomic():
        ticket = locked(ticket)
        _refuse_finished(ticket)
        customer = not actor.is_service_staff
        if customer and ticket.status == Status.RESOLVED and now() > reopen_deadline(ticket):
            raise InvalidTransition(
                _("%(key)s was resolved too long ago to be reopened. Please submit a new request.")
                % {"key": ticket.key}
            )
        event = record_event(ticket, kind=kind, actor=actor, public=True, body=body, data=data)
        store_attachments(ticket, event, uploads, actor)
        if customer and ticket.status in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED):
            apply_transition(ticket, to=Status.IN_PROGRESS, actor=actor, note="")
        touch(ticket, "status", "resolved_at", "closed_at")
    return event


def ticket_add_note(*, actor: User, ticket: Ticket, body: str, files: list | None = None) -> TicketEvent:
    """An internal note for the service team: never shown to the customer, nor are its files."""
    if not actor.is_service_staff:
        raise PermissionDenied(_("Only the service team writes internal notes."))
    body, uploads = _checked(body, files, field="body")
    with transaction.atomic():
        ticket = locked(ticket)
        event = record_event(ticket, kind=EventKind.INTERNAL_NOTE, actor=actor, public=False, body=body)
        store_attachments(ticket, event, uploads, actor)
        touch(ticket)
    return event
