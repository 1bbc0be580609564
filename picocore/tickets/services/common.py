"""Pieces every ticket service uses: the row lock, the timeline writer, attachment storage."""

import datetime as dt
from collections.abc import Callable

from picocore.core.clock import now
from picocore.core.inserts import insert
from picocore.tenancy.models import User
from picocore.tickets.attachments import CheckedUpload, store_files
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.timeline import Entry, NextStepChanged


def locked(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock (inside the caller's transaction): concurrent changes to one
    ticket queue instead of interleaving, and each sees what the previous one committed."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def record(
    ticket: Ticket,
    entry: Entry,
    *,
    actor: User | None,
    body: str = "",
    public: bool | None = None,
    at: dt.datetime | None = None,
    notify_now: bool = True,
    recompute_sla: bool = True,
) -> TicketEvent:
    """Append one entry to the ticket's timeline (the only way events are written) and, in the same
    transaction, recompute the ticket's SLA clocks when it can move a deadline and notify whoever should hear
    of it (in the app, and by e-mail through the outbox), and announce it to the webhook subscriptions that chose
    it (`picocore.webhooks.announce`). `public` defaults to the kind's own visibility; `at`
    to now (an SLA record is stamped with the moment it happened). With `notify_now=False` the caller queues
    the notifications instead, in the same transaction, once the change is complete
    (`picocore.notifications.dispatch.dispatch_later`); with `recompute_sla=False` the caller has derived the
    clocks itself (a new ticket's, `picocore.sla.services.sla_start`)."""
    event = TicketEvent(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        kind=entry.kind,
        public=entry.public if public is None else public,
        actor=actor,
        body=body,
        data=entry.to_data(),
        created_at=at or now(),
    )
    insert(event)
    event.entry = entry
    # Imported here: the SLA and notification services write SLA records through this function.
    from picocore.notifications.dispatch import dispatch_event
    from picocore.sla.services import sla_event_recorded
    from picocore.webhooks.announce import ticket_event_announce

    if recompute_sla:
        by_staff = bool(actor and actor.is_service_staff)
        sla_event_recorded(ticket=ticket, entry=entry, by_staff=by_staff, at=event.created_at)
    if notify_now:
        dispatch_event(event)
    ticket_event_announce(event)
    return event


def store_attachments(ticket: Ticket, event: TicketEvent, uploads: list[CheckedUpload], actor: User) -> None:
    """Save checked uploads to storage and link them to the event; they share its visibility. A store that
    fails (full, read-only) raises StorageUnavailable after removing the files this call wrote; the caller's
    transaction then rolls back the rows, so no ticket or event is left without its files."""

    def save(record: Callable[[str], None]) -> None:
        for upload in uploads:
            attachment = Attachment(
                ticket=ticket,
                organisation_id=ticket.organisation_id,
                event=event,
                filename=upload.filename,
                content_type=upload.content_type,
                size=upload.size,
                public=event.public,
                uploaded_by=actor,
                created_at=event.created_at,
            )
            attachment.file.save(upload.filename, upload.file, save=False)
            if attachment.file.name:  # set by the save above
                record(attachment.file.name)
            attachment.save()

    store_files(Attachment._meta.get_field("file").storage, save)


def touch(ticket: Ticket, *fields: str) -> None:
    """Save the named fields and `updated_at` (set to now)."""
    ticket.updated_at = now()
    ticket.save(update_fields=[*fields, "updated_at"])


def change_next_step(
    ticket: Ticket, *, actor: User | None, text: str, due: dt.date | None, with_status: bool = False
) -> bool:
    """Set the next step and its expected date on a locked ticket and record before and after on the timeline
    (caller saves `next_step` and `next_step_due`); False, and nothing recorded, when nothing changes.
    `with_status`: a status change replaced it, and that change's notice is the one the customer gets."""
    if (ticket.next_step, ticket.next_step_due) == (text, due):
        return False
    changed = NextStepChanged(
        before_text=ticket.next_step,
        before_due=ticket.next_step_due,
        after_text=text,
        after_due=due,
        with_status=with_status,
    )
    ticket.next_step, ticket.next_step_due = text, due
    record(ticket, changed, actor=actor)
    return True
