"""The desk's own writes: how a person reads timelines, who is on a ticket right now, sending from the
composer with the stale-page guard, and logging a phone call as a ticket its consultant owns."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from picocore.contracts.selectors import contract_in_force
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, ValidationError
from picocore.core.text import one_line, truncate
from picocore.desk.models import DeskPreference, TicketPresence, TimelineOrder
from picocore.desk.permissions import can_be_present
from picocore.hours.services import DESCRIPTION_MAX, TimeToLog, time_log, time_required_on_reply
from picocore.tenancy.models import User
from picocore.tickets import services as ticket_services
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.permissions import can_take
from picocore.tickets.services.common import locked
from picocore.tickets.submissions import clean_token, submission_get
from picocore.tickets.timeline import InternalNote, OwnerChanged, PublicReply, StatusChanged

# Someone polled within this long is "on the ticket"; someone who typed within TYPING is "typing".
PRESENT_FOR = dt.timedelta(seconds=30)
TYPING_FOR = dt.timedelta(seconds=15)


def preference_set_timeline_order(*, actor: User, order: str) -> DeskPreference:
    """Remember how `actor` reads ticket timelines (newest or oldest first), for every ticket."""
    value = TimelineOrder(order)
    preference, _created = DeskPreference.objects.update_or_create(user=actor, defaults={"timeline_order": value})
    return preference


@dataclass(frozen=True)
class Present:
    """Another person who has the ticket open."""

    name: str
    typing: bool


def present_others(*, ticket: Ticket, actor: User, since: dt.datetime) -> QuerySet[TicketPresence]:
    """The rows of the others seen on the ticket since `since`, with their people: a range on the
    (ticket, seen_at) index, so stale rows not pruned yet are never read."""
    return (
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=since)
        .exclude(user=actor)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )


def presence_record(*, actor: User, ticket: Ticket, typing: bool) -> list[Present]:
    """Record that `actor` has the ticket open now (and is typing, if so) in one upsert, and return the others
    who had it open within the last 30 seconds. NotFound for anyone who may not work on the ticket."""
    if not can_be_present(actor, ticket):
        raise NotFound(_("There is no ticket with that key, or it is not yours to work on."))
    moment = now()
    row = TicketPresence(ticket=ticket, user=actor, seen_at=moment, typing_at=moment if typing else None)
    TicketPresence.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["ticket", "user"],
        update_fields=["seen_at", "typing_at"] if typing else ["seen_at"],
    )
    others = present_others(ticket=ticket, actor=actor, since=moment - PRESENT_FOR)
    return [
        Present(
            name=other.user.full_name or other.user.email,
            typing=other.typing_at is not None and other.typing_at >= moment - TYPING_FOR,
        )
        for other in others
    ]


PRUNE_BATCH = 1000


def presence_prune(*, before: dt.datetime | None = None, batch: int = PRUNE_BATCH) -> int:
    """Delete the presence rows last seen before `before` (by default: outside the presence window, so nobody
    they name is shown as on a ticket any more), `batch` rows per statement so no delete holds many locks for
    long; returns how many went. Idempotent: a second run finds nothing left to delete, and a row polled again
    meanwhile is fresh and stays."""
    cutoff = before or now() - PRESENT_FOR
    deleted = 0
    while ids := list(
        TicketPresence.objects.filter(seen_at__lt=cutoff).order_by("seen_at").values_list("pk", flat=True)[:batch]
    ):
        # Re-checked in the delete: a row polled since it was listed is fresh again and kept.
        deleted += TicketPresence.objects.filter(pk__in=ids, seen_at__lt=cutoff).delete()[0]
        if len(ids) < batch:
            break
    return deleted


class StaleDraft(InvalidTransition):
    """The page the draft was written on is out of date: `changes` says what happened since, in words."""

    def __init__(self, message: str, *, changes: list[str], newest_event_id: int) -> None:
        super().__init__(message)
        self.changes = changes
        self.newest_event_id = newest_event_id


def describe_change(event: TicketEvent, *, at: dt.datetime) -> str:
    """One line saying what an event did, for the stale-page warning ("Erik replied 2 minutes ago")."""
    who = event.actor.full_name if event.actor else "PicoCore"
    ago = _("%(time)s ago") % {"time": timesince(event.created_at, at, depth=1)}
    entry = event.entry
    if isinstance(entry, PublicReply):  # attachments added too
        return _("%(who)s replied %(ago)s") % {"who": who, "ago": ago}
    if isinstance(entry, InternalNote):
        return _("%(who)s added an internal note %(ago)s") % {"who": who, "ago": ago}
    if isinstance(entry, StatusChanged) and entry.after in Status.values:
        label = _("Waiting on customer") if entry.after == Status.WAITING_ON_CUSTOMER else Status(entry.after).label
        return _("Status changed to %(status)s by %(who)s %(ago)s") % {"status": label, "who": who, "ago": ago}
    if isinstance(entry, OwnerChanged):
        return _("Owner changed to %(owner)s by %(who)s %(ago)s") % {
            "owner": entry.after_label or "—",
            "who": who,
            "ago": ago,
        }
    return _("%(what)s by %(who)s %(ago)s") % {"what": event.get_kind_display(), "who": who, "ago": ago}


def ticket_send(
    *,
    actor: User,
    ticket: Ticket,
    public: bool,
    body: str,
    files: list[UploadedFile[bytes]] | None = None,
    submission: str = "",
    seen_event_id: int | None = None,
    status: str = "",
    next_step: str = "",
    next_step_due: dt.date | None = None,
    time: TimeToLog | None = None,
) -> TicketEvent:
    """Send what the composer holds: a public reply or an internal note, and with it (as a canned reply fills
    them in) a new `status` and a new `next_step` (with its expected date): all of it in one transaction, so a
    status the ticket cannot move to (InvalidTransition, listing the allowed ones) or a next step that is
    refused sends nothing. An empty `status` or `next_step` leaves it as it is; the status the ticket already
    has is nothing to change. Resolving with a public reply takes the reply as the resolution note.

    `seen_event_id` is the newest event the page showed: when others have added events since, nothing is
    sent and StaleDraft lists what changed (checked under the ticket's row lock, so nothing slips in between).
    The same form posted again (same `submission`) returns the first result without the check.

    `time` is logged with the message (`hours.services.time_log`, which checks the actor may log time here), as
    part of the same transaction: time that is refused (a closed month, a day to come) sends nothing, and a
    message that is refused logs no time. When the contract in force requires time on a public reply, a reply
    without it is refused. A repeated post (same `submission`) logs no time again, even one made in parallel:
    the repeat waits on the ticket's row lock until the first has committed, then finds it.
    """
    token = clean_token(submission)
    earlier = submission_get(actor=actor, token=token)
    if earlier is not None and earlier.event is not None:
        return earlier.event
    if public and time is None:
        contract = contract_in_force(organisation=ticket.organisation)
        if time_required_on_reply(contract):
            raise ValidationError(
                field_errors={"time_spent": [_("This customer's contract needs the time spent with every public "
                                               "reply: fill in Time spent, then send.")]}
            )  # fmt: skip
    with transaction.atomic():
        current = locked(ticket)
        earlier = submission_get(actor=actor, token=token)  # a parallel post of the same form committed first
        if earlier is not None and earlier.event is not None:
            return earlier.event
        if seen_event_id is not None:
            newer = list(
                TicketEvent.objects.filter(ticket=current, id__gt=seen_event_id)
                .exclude(actor=actor)
                .select_related("actor")
                .order_by("created_at", "id")[:20]
            )
            if newer:
                moment = now()
                newest = TicketEvent.objects.filter(ticket=current).order_by("-id").values_list("id", flat=True)[0]
                raise StaleDraft(
                    _("%(key)s changed while you were writing; nothing was sent. Read what changed, then send.")
                    % {"key": current.key},
                    changes=[describe_change(event, at=moment) for event in newer],
                    newest_event_id=newest,
                )
        send = ticket_services.ticket_reply if public else ticket_services.ticket_add_note
        event = send(actor=actor, ticket=current, body=body, files=files, submission=token)
        if status and status != current.status:
            note = event.body if public and status == Status.RESOLVED else ""
            current = ticket_services.ticket_transition(actor=actor, ticket=current, to=status, note=note)
        if next_step or next_step_due is not None:
            ticket_services.ticket_set_next_step(actor=actor, ticket=current, text=next_step, due=next_step_due)
        if time is not None:
            time_log(
                actor=actor, ticket=current, minutes=time.minutes, work_date=time.work_date,
                started_at=time.started_at, billable=time.billable, non_billable_reason=time.non_billable_reason,
                description=time.description or _message_line(event.body, public=public), event=event,
            )  # fmt: skip
        return event


def _message_line(body: str, *, public: bool) -> str:
    """What a time entry logged with a message says by default: the message's first line, shortened."""
    first = next((line.strip() for line in (body or "").splitlines() if line.strip()), "")
    if not first:
        return _("Public reply") if public else _("Internal note")
    return truncate(one_line(first), DESCRIPTION_MAX)


def phone_call_log(*, actor: User, **ticket_fields: Any) -> Ticket:
    """Create the ticket for a phone call (channel phone) and make the consultant who took the call its owner
    (assignee, with a team of theirs serving the customer), both recorded on the timeline, in one transaction.
    Someone with no such team (a manager outside every team) logs it for the team that takes the customer's
    requests."""
    with transaction.atomic():
        ticket = ticket_services.ticket_create(actor=actor, **ticket_fields)
        if ticket.assignee_id != actor.pk and can_take(actor, ticket):
            ticket = ticket_services.ticket_take(actor=actor, ticket=ticket)
    return ticket
