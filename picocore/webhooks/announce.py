"""Announcing what happened to the subscriptions that chose it: one delivery row per subscription and event,
written in the caller's transaction (an outbox), sent by the worker once the transaction commits.

Guarantees: a change that rolls back leaves no delivery and sends nothing; an event announced twice (the same
`event_id`, e.g. a retried task) is delivered once per subscription (a unique constraint, conflicts ignored);
a subscription receives only the events it chose and only of its organisation (or of all, when it has none).
Payloads hold only what the ticket's customer may see on the portal: key, title, status, priority, the
organisation's slug and the links; never an internal note, a private field or a text written by someone.
One query when no subscription wants the event; three when some do (whom, the rows, the task).
"""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from picocore.core.clock import now
from picocore.core.tasks import enqueue_on_commit
from picocore.webhooks.choices import EventType
from picocore.webhooks.models import Delivery, Subscription

if TYPE_CHECKING:
    from picocore.sla.models import SlaClock
    from picocore.tickets.models import Ticket, TicketEvent


class _Organisation(Protocol):
    slug: str


class ScheduledChange(Protocol):
    """What is announced of a change (`picocore.changes.models.Change`, which this package may not import: changes
    sit above it and call it)."""

    pk: int
    title: str
    status: str
    organisation_id: int
    sequence: int
    planned_start: dt.datetime | None
    planned_end: dt.datetime | None
    downtime_minutes: int

    @property
    def key(self) -> str: ...

    @property
    def organisation(self) -> _Organisation: ...


@dataclass(frozen=True)
class Announcement:
    """One event: its type, whose it is (None: no organisation's), its data (JSON), and an id unique to it."""

    event_type: str
    organisation_id: int | None
    payload: dict[str, object]
    event_id: str


def new_msg_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def subscribers(event_types: Iterable[str], organisation_ids: Iterable[int | None] | None = None) -> list[Subscription]:
    """The active subscriptions choosing any of `event_types`, of those organisations (all when None), in one
    query. The events are matched here rather than in SQL: a JSON list's `contains` has no SQLite form, and
    subscriptions are few."""
    wanted = set(event_types)
    queryset = Subscription.objects.filter(active=True).only("pk", "organisation_id", "events")
    if organisation_ids is not None:
        ids = sorted({i for i in organisation_ids if i is not None})
        queryset = queryset.filter(Q(organisation__isnull=True) | Q(organisation_id__in=ids))
    return [s for s in queryset.order_by("pk") if isinstance(s.events, list) and wanted & set(s.events)]


def _matches(subscription: Subscription, announcement: Announcement) -> bool:
    return announcement.event_type in subscription.events and (
        subscription.organisation_id is None or subscription.organisation_id == announcement.organisation_id
    )


def _envelope(announcement: Announcement, moment: dt.datetime) -> dict[str, object]:
    return {
        "type": announcement.event_type,
        "timestamp": moment.astimezone(dt.UTC).isoformat(),
        "data": announcement.payload,
    }


def write_deliveries(subscriptions: Sequence[Subscription], announcements: Sequence[Announcement]) -> int:
    """One delivery per matching (subscription, announcement), in one insert, sent after commit."""
    moment = now()
    rows = [
        Delivery(
            subscription_id=subscription.pk,
            event_type=announcement.event_type,
            event_id=announcement.event_id,
            msg_id=new_msg_id(),
            payload=_envelope(announcement, moment),
            created_at=moment,
            next_attempt_at=moment,
        )
        for announcement in announcements
        for subscription in subscriptions
        if _matches(subscription, announcement)
    ]
    if not rows:
        return 0
    # ignore_conflicts: an event announced again (the same event_id) is already owed; it is not owed twice.
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    from picocore.webhooks.tasks import deliver_webhooks

    enqueue_on_commit(deliver_webhooks, [row.msg_id for row in rows])
    return len(rows)


def webhook_announce(*, event_type: str, organisation_id: int | None, payload: dict[str, object], event_id: str) -> int:
    """Announce one event in the caller's transaction; returns how many deliveries it wrote."""
    announcement = Announcement(event_type, organisation_id, payload, event_id)
    found = subscribers([event_type], [organisation_id])
    return write_deliveries(found, [announcement]) if found else 0


def _link(name: str, **kwargs: object) -> str:
    return settings.PICOCORE_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def ticket_payload(ticket: "Ticket") -> dict[str, object]:
    """What a receiver learns of a ticket: what its customer sees on the portal, nothing internal."""
    return {
        "key": ticket.key,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "organisation": ticket.organisation.slug,
        "url": _link("portal:request", key=ticket.key),
        "desk_url": _link("desk:ticket", key=ticket.key),
    }


def _utc(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _ticket_event(event: "TicketEvent") -> tuple[str, dict[str, object]] | None:
    """The event type and extra data of a timeline entry, or None when it is not announced."""
    from picocore.tickets.timeline import Created, OwnerChanged, PublicReply, SlaBreach, SlaWarning, StatusChanged

    entry = event.entry
    if isinstance(entry, SlaWarning | SlaBreach):
        kind = EventType.SLA_WARNING if isinstance(entry, SlaWarning) else EventType.SLA_BREACHED
        return kind, {"metric": entry.metric, "due_at": _utc(entry.due_at)}
    if not event.public:
        return None
    if type(entry) is Created:
        return EventType.TICKET_CREATED, {}
    if isinstance(entry, StatusChanged):
        return EventType.TICKET_STATUS_CHANGED, {"before": entry.before, "after": entry.after}
    if type(entry) is PublicReply:  # an attachment alone is not a reply
        by_staff = bool(event.actor and event.actor.is_service_staff)
        return EventType.TICKET_PUBLIC_REPLY, {"by": "service_team" if by_staff else "customer"}
    if isinstance(entry, OwnerChanged) and entry.after_assignee != entry.before_assignee:
        return EventType.TICKET_ASSIGNED, {"assigned": entry.after_assignee is not None}
    return None


def ticket_event_announce(event: "TicketEvent") -> int:
    """Announce a ticket's timeline entry, if it is one subscriptions may choose (called by the timeline's one
    writer, `picocore.tickets.services.common.record`, inside its transaction)."""
    found = _ticket_event(event)
    if found is None:
        return 0
    event_type, extra = found
    ticket = event.ticket
    wanted = subscribers([event_type], [ticket.organisation_id])
    if not wanted:
        return 0
    payload = {"ticket": ticket_payload(ticket), "at": _utc(event.created_at), **extra}
    return write_deliveries(
        wanted, [Announcement(event_type, ticket.organisation_id, payload, f"ticket-event:{event.pk}")]
    )


def sla_records_announce(records: Sequence[tuple["SlaClock", str, dt.datetime | None, dt.datetime]]) -> int:
    """Announce SLA warnings and breaches recorded in bulk: (clock, event type, due at, when it happened) each.
    One query when nobody listens; four when some do, however many records (the tickets are read in one)."""
    if not records:
        return 0
    from picocore.tickets.models import Ticket

    wanted = subscribers({kind for _, kind, _, _ in records}, {clock.organisation_id for clock, *_ in records})
    if not wanted:
        return 0
    ids = {clock.ticket_id for clock, *_ in records}
    tickets = Ticket.objects.select_related("organisation").in_bulk(sorted(ids))
    announcements = []
    for clock, kind, due_at, at in records:
        ticket = tickets.get(clock.ticket_id)
        if ticket is None:
            continue
        payload: dict[str, object] = {
            "ticket": ticket_payload(ticket),
            "at": _utc(at),
            "metric": clock.metric,
            "due_at": _utc(due_at),
        }
        event_id = f"sla:{clock.pk}:{kind}:{_utc(at if kind == EventType.SLA_BREACHED else due_at)}"
        announcements.append(Announcement(kind, ticket.organisation_id, payload, event_id))
    return write_deliveries(wanted, announcements)


def change_scheduled_announce(change: ScheduledChange, *, rescheduled: bool) -> int:
    """Announce that a change is scheduled (or moved to a new window), once per scheduling (its sequence)."""
    wanted = subscribers([EventType.CHANGE_SCHEDULED], [change.organisation_id])
    if not wanted:
        return 0
    payload: dict[str, object] = {
        "change": {
            "key": change.key,
            "title": change.title,
            "status": change.status,
            "organisation": change.organisation.slug,
            "planned_start": _utc(change.planned_start),
            "planned_end": _utc(change.planned_end),
            "downtime_minutes": change.downtime_minutes,
            "url": _link("portal:change", change_id=change.pk),
        },
        "rescheduled": rescheduled,
    }
    event_id = f"change:{change.pk}:scheduled:{change.sequence}"
    return write_deliveries(
        wanted, [Announcement(EventType.CHANGE_SCHEDULED, change.organisation_id, payload, event_id)]
    )
