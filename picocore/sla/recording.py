"""Writing SLA warnings and breaches in bulk: the timeline entries in one insert, the notices in a task.

The one writer of SLA records for the sweep and `sla_recompute` alike, inside their transactions. The caller
has claimed the clocks (row locks) and writes their bookkeeping columns in the same transaction; this module
sets them on the clock objects, appends one timeline entry per record (`SlaWarning`, stamped when the sweep saw
it; `SlaBreach`, stamped with the moment it happened) and enqueues `notify_sla_records` with the records in the
same transaction (a task row, with the database task backend), and announces them to the webhook subscriptions
that chose them, in the same transaction: the records and their notices commit or roll back
together, and the notices are keyed per clock and moment, so a task that runs twice notifies once.

SLA entries move no deadline and notify nobody by themselves (their classes say so), so writing them without the
per-event writer of `picocore.tickets.services` changes nothing but the number of queries.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from picocore.sla.calendar import BusinessCalendar
from picocore.sla.escalation import outside_business_hours, utc_text
from picocore.sla.models import SlaClock
from picocore.sla.rows import insert_rows
from picocore.tickets.models import TicketEvent
from picocore.tickets.timeline import SlaBreach, SlaRecord, SlaWarning

WARNING, BREACH = "warning", "breach"
# The webhook event types (picocore.webhooks.choices.EventType), named here to keep this module's imports light.
SLA_WARNING, SLA_BREACHED = "sla.warning", "sla.breached"
# Records per fan-out task: a task stays short enough to retry whole.
NOTICES_PER_TASK = 1000
EVENT_FIELDS = ("ticket", "organisation", "kind", "public", "actor", "body", "data", "created_at")


@dataclass(frozen=True)
class Breach:
    """A breach to record: the clock (saved, with its id), whether its ticket is a P1 (`urgent`), when it
    happened, and the contract's calendar (None without one) to tell whether a P1's breach fell outside business
    hours."""

    clock: SlaClock
    urgent: bool
    breached_at: dt.datetime
    calendar: BusinessCalendar | None


def _event(clock: SlaClock, entry: SlaRecord, at: dt.datetime) -> tuple[object, ...]:
    """The timeline row of one record, in EVENT_FIELDS' order: by nobody, with no text."""
    return (clock.ticket_id, clock.organisation_id, entry.kind, entry.public, None, "", entry.to_data(), at)


def _enqueue(notices: list[list[object]]) -> None:
    from picocore.sla.tasks import notify_sla_records  # the task module imports this one

    # Enqueued inside the transaction, not on commit: the task row commits with the records it announces.
    for start in range(0, len(notices), NOTICES_PER_TASK):
        notify_sla_records.enqueue(notices[start : start + NOTICES_PER_TASK])


def record_warnings(clocks: Sequence[SlaClock], *, seen_at: dt.datetime) -> None:
    """Record that each running clock reached its warning share, seen at `seen_at`, and set
    `warning_recorded_at`; the caller saves that column."""
    events, notices = [], []
    for clock in clocks:
        assert clock.due_at is not None  # only running clocks warn
        events.append(_event(clock, SlaWarning(metric=clock.metric, due_at=clock.due_at), seen_at))
        notices.append([WARNING, clock.pk, utc_text(clock.due_at), False])
        clock.warning_recorded_at = seen_at
    insert_rows(TicketEvent, EVENT_FIELDS, events)
    _enqueue(notices)
    _announce([(clock, SLA_WARNING, clock.due_at, seen_at) for clock in clocks])


def _announce(records: list[tuple[SlaClock, str, dt.datetime | None, dt.datetime]]) -> None:
    from picocore.webhooks.announce import sla_records_announce  # webhooks read tickets and SLA clocks

    sla_records_announce(records)


def record_breaches(breaches: Sequence[Breach], *, seen_at: dt.datetime) -> None:
    """Record each breach at the moment it happened and set the clock's `breached_at` and `breach_recorded_at`
    (the caller saves them); the service managers hear of each, and whoever was on call of a P1 whose breach
    fell outside business hours is paged."""
    events, notices = [], []
    for breach in breaches:
        clock, at = breach.clock, breach.breached_at
        events.append(_event(clock, SlaBreach(metric=clock.metric, due_at=at, breached_at=at), at))
        page = breach.urgent and outside_business_hours(breach.calendar, at)
        notices.append([BREACH, clock.pk, utc_text(at), page])
        clock.breached_at = at
        clock.breach_recorded_at = seen_at
    insert_rows(TicketEvent, EVENT_FIELDS, events)
    _enqueue(notices)
    _announce([(b.clock, SLA_BREACHED, b.breached_at, b.breached_at) for b in breaches])
