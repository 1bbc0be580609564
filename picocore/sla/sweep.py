"""The periodic SLA sweep: record warnings and breaches once, on the timeline, and escalate breaches.

Each pass is three indexed queries when nothing is due. A clock is claimed under a row lock (SKIP LOCKED on
PostgreSQL, so several workers share the work) and its bookkeeping column is set in the same transaction as
the timeline event and the notifications: a second pass, or a second worker, finds nothing left to record.

A running clock is breached once the sweep's moment lies strictly after its deadline (see
`picocore.sla.escalation`); its breach is stamped with the deadline. A clock whose stored history already
holds a breach nobody recorded (paused or stopped after it) is recorded with that moment.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Q

from picocore.core.clock import now as current_time
from picocore.sla.calendar import BusinessCalendar
from picocore.sla.escalation import record_breach, record_warning
from picocore.sla.models import SlaClock
from picocore.sla.services import policy_for

BATCH = 200


def _claim(condition: Q) -> list[SlaClock]:
    clocks = SlaClock.objects.filter(condition).select_related("ticket", "ticket__organisation", "ticket__team")
    if connection.features.has_select_for_update_skip_locked:
        clocks = clocks.select_for_update(skip_locked=True, of=("self",))
    return list(clocks.order_by("id")[:BATCH])


def sweep_warnings(moment: dt.datetime) -> int:
    recorded = 0
    with transaction.atomic():
        # A clock already breached is not "due soon": it was escalated as a breach.
        for clock in _claim(
            Q(warning_recorded_at__isnull=True, warn_at__lte=moment, due_at__isnull=False, stopped_at__isnull=True)
            & Q(breached_at__isnull=True, breach_recorded_at__isnull=True)
        ):
            record_warning(clock, ticket=clock.ticket, seen_at=moment)
            clock.save(update_fields=["warning_recorded_at"])
            recorded += 1
    return recorded


def _calendar(clock: SlaClock, at: dt.datetime) -> BusinessCalendar | None:
    policy = policy_for(ticket=clock.ticket, at=at)
    return policy.calendar if policy is not None else None


def sweep_breaches(moment: dt.datetime) -> int:
    recorded = 0
    with transaction.atomic():
        overdue = Q(breach_recorded_at__isnull=True, due_at__lt=moment, stopped_at__isnull=True)
        unrecorded = Q(breach_recorded_at__isnull=True, breached_at__isnull=False)
        claimed = {clock.pk: clock for clock in _claim(overdue)}
        claimed.update({clock.pk: clock for clock in _claim(unrecorded)})
        for clock in claimed.values():
            breached_at = clock.breached_at or clock.due_at
            assert breached_at is not None
            # Only a P1 asks whether the breach fell outside business hours; others need no contract lookup.
            calendar = _calendar(clock, breached_at) if clock.ticket.priority == 1 else None
            record_breach(clock, ticket=clock.ticket, breached_at=breached_at, seen_at=moment, calendar=calendar)
            clock.save(update_fields=["breached_at", "breach_recorded_at"])
            recorded += 1
    return recorded


def sla_sweep(moment: dt.datetime | None = None) -> tuple[int, int]:
    """Record due warnings and breaches; returns (warnings, breaches) recorded by this pass."""
    moment = moment or current_time()
    return sweep_warnings(moment), sweep_breaches(moment)
