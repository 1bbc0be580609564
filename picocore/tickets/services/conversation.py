"""Public replies and internal notes."""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, ValidationError
from picocore.core.text import without_nul
from picocore.tenancy.models import User
from picocore.tickets.attachments import CheckedUpload, check_uploads
from picocore.tickets.choices import Status
from picocore.tickets.models import Submission, Ticket, TicketEvent
from picocore.tickets.permissions import authorize, can_add_note, can_reply
from picocore.tickets.services.common import locked, record, store_attachments, touch
from picocore.tickets.services.lifecycle import TRANSITION_FIELDS, apply_transition, reopen_deadline
from picocore.tickets.submissions import clean_token, submission_claim, submission_get
from picocore.tickets.timeline import AttachmentAdded, InternalNote, PublicReply


def _checked(body: str, files: list[UploadedFile[bytes]] | None, *, field: str) -> tuple[str, list[CheckedUpload]]:
    body = without_nul(body or "").strip()
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


def _repeated(actor: User, token: str) -> TicketEvent | None:
    """The event an earlier post of the same form made (None: this post is the first). Called under the
    ticket's row lock, so a parallel first post has committed by now."""
    if not token or submission_claim(actor=actor, token=token) is not None:
        return None
    earlier = submission_get(actor=actor, token=token)
    return earlier.event if earlier is not None else None


def _remember(actor: User, token: str, event: TicketEvent) -> None:
    if token:
        Submission.objects.filter(actor=actor, token=token).update(ticket=event.ticket, event=event)


def ticket_reply(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    files: list[UploadedFile[bytes]] | None = None,
    channel: str = "",
    inbound: int | None = None,
    submission: str = "",
) -> TicketEvent:
    """Add a public reply (with attachments) to the ticket's timeline; files sent without text are recorded
    as `attachment_added`. `channel` and `inbound` are kept on the entry (by e-mail: "email" and
    the message's id).

    A customer's reply hands the ticket back to the team: from waiting on customer, and from resolved within
    the reopen window (after it, the customer is asked for a new request). Closed and cancelled tickets take
    no more replies. Only the team working on the ticket or a customer following it may reply (NotFound for
    anyone who may not see it). `submission` is the token of the posted form: the same form posted again
    returns the first reply instead of adding another.
    """
    access = authorize(actor, ticket, can_reply, _("You may not reply on this request."))
    body, uploads = _checked(body, files, field="body")
    token = clean_token(submission)
    with transaction.atomic():
        ticket = locked(ticket)
        if (earlier := _repeated(actor, token)) is not None:
            return earlier
        _refuse_finished(ticket)
        customer = not access.works_on
        deadline = reopen_deadline(ticket) if customer else None
        if deadline is not None and now() > deadline:
            raise InvalidTransition(
                _("%(key)s was resolved too long ago to be reopened. Please submit a new request.")
                % {"key": ticket.key}
            )
        said = PublicReply if body else AttachmentAdded
        event = record(ticket, said(channel=channel, inbound=inbound), actor=actor, body=body)
        store_attachments(ticket, event, uploads, actor)
        _remember(actor, token, event)
        if customer and ticket.status in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED):
            apply_transition(ticket, to=Status.IN_PROGRESS, actor=actor, note="")
        touch(ticket, *TRANSITION_FIELDS)
    return event


def ticket_add_note(
    *, actor: User, ticket: Ticket, body: str, files: list[UploadedFile[bytes]] | None = None, submission: str = ""
) -> TicketEvent:
    """An internal note by the team working on the ticket: never shown to the customer, nor are its files. The
    same form posted again (same `submission` token) returns the first note."""
    authorize(actor, ticket, can_add_note, _("Only the service team writes internal notes."))
    body, uploads = _checked(body, files, field="body")
    token = clean_token(submission)
    with transaction.atomic():
        ticket = locked(ticket)
        if (earlier := _repeated(actor, token)) is not None:
            return earlier
        event = record(ticket, InternalNote(), actor=actor, body=body)
        store_attachments(ticket, event, uploads, actor)
        _remember(actor, token, event)
        touch(ticket)
    return event
