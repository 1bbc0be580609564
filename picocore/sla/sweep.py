"""The periodic SLA sweep: record warnings and breaches once, on the timeline, and escalate breaches.

A pass that finds nothing due is one statement, without a transaction: range scans of the partial indexes that
hold only the clocks whose warning or breach nobody recorded yet (`SlaClock.Meta.indexes`), so an idle pass costs
the same at a thousand open tickets and at a million. Due clocks are claimed a batch at a time under row locks
(SKIP LOCKED on PostgreSQL, so several workers share the work) and, in the same transaction, their timeline entries
are written in one insert, their bookkeeping column in one update and their notices enqueued as a task
(`picocore.sla.recording`): a second pass, or a second worker, finds nothing left to record.

A running clock is breached once the sweep's moment lies strictly after its deadline (see
`picocore.sla.escalation`); its breach is stamped with the deadline. A clock whose stored history already
holds a breach nobody recorded (paused or stopped after it) is recorded with that moment.
"""

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from picocore.core.clock import now as current_time
from picocore.sla.batch import Policies
from picocore.sla.models import WARNING_PENDING, SlaClock
from picocore.sla.recording import Breach, record_breaches, record_warnings
from picocore.tickets.models import Ticket

BATCH = 1000
# What the records and notices read of a claimed clock; the rest of its row stays in the table.
CLAIMED_FIELDS = ("id", "ticket_id", "organisation_id", "metric", "due_at", "breached_at")
# What the P1 check reads of a ticket whose breach is recorded; its text columns stay in the table.
TICKET_FIELDS = ("id", "organisation_id", "priority", "organisation__id", "organisation__time_zone")


def _claim(condition: Q, order: str, assignments: str, moment: dt.datetime) -> list[SlaClock]:
    """Up to BATCH clocks matching `condition`, in the order of the partial index that finds them, locked and
    marked recorded in one statement: `UPDATE … SET <assignments> WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED
    LIMIT …) RETURNING …`. `assignments` is SQL of this module that takes `moment` as its one parameter. One
    statement instead of a locking read and an update: each row is written once, not locked and then written."""
    clocks = SlaClock.objects.filter(condition).order_by(order, "id").values("id")
    if connection.features.has_select_for_update_skip_locked:
        clocks = clocks.select_for_update(skip_locked=True)
    inner, params = clocks[:BATCH].query.get_compiler(connection=connection).as_sql()
    quoted = connection.ops.quote_name
    columns = {field.attname: str(field.column) for field in SlaClock._meta.concrete_fields}
    returned = ", ".join(quoted(columns[name]) for name in CLAIMED_FIELDS)
    table, key = quoted(SlaClock._meta.db_table), quoted("id")
    # Only the model's quoted names, this module's assignments and placeholders go into the text.
    sql = f"UPDATE {table} SET {assignments} WHERE {key} IN ({inner}) RETURNING {returned}"  # noqa: S608
    value = connection.ops.adapt_datetimefield_value(moment)
    return list(SlaClock.objects.raw(sql, [value, *params]))


def _breaches(clocks: list[SlaClock], policies: Policies) -> list[Breach]:
    """The claimed clocks' breaches, each saying whether its ticket is a P1 and, for a P1, with the calendar in
    force when it happened. Which tickets are P1s is read by id from the `ticket_urgent` partial index alone (a
    join would let the planner scan the tickets, and reading every claimed ticket's row cost a page read each
    at a million tickets), and only the P1s' rows are read: one query per batch."""
    claimed = {clock.ticket_id for clock in clocks}
    urgent = Ticket.objects.filter(pk__in=claimed, priority=1).select_related("organisation").only(*TICKET_FIELDS)
    tickets = {ticket.pk: ticket for ticket in urgent}
    breaches = []
    for clock in clocks:
        breached_at = clock.breached_at  # as the claim stamped it
        assert breached_at is not None
        # Only a P1 asks whether the breach fell outside business hours; others need no contract lookup.
        ticket = tickets.get(clock.ticket_id)
        policy = policies.for_ticket(ticket, breached_at) if ticket is not None else None
        calendar = policy.calendar if policy is not None else None
        breaches.append(Breach(clock, ticket is not None, breached_at, calendar))
    return breaches


def _looks(moment: dt.datetime) -> tuple[Q, Q, Q]:
    """Due warnings, overdue running clocks, and breaches the stored history holds that nobody recorded; each
    implies the condition of one partial index (`slaclock_warn_pending`, `slaclock_due`,
    `slaclock_breach_unrecorded`)."""
    return (
        WARNING_PENDING & Q(warn_at__lte=moment),
        Q(breach_recorded_at__isnull=True, due_at__lt=moment, stopped_at__isnull=True),
        Q(breach_recorded_at__isnull=True, breached_at__isnull=False),
    )


ORDERS = ("warn_at", "due_at", "breached_at")


def anything_due(moment: dt.datetime) -> bool:
    """Whether any warning or breach is left to record: one statement, no lock, no transaction, of three scalar
    subqueries each planned on its own as a range scan of its partial index, so an idle pass costs the same at any
    number of clocks. (One condition OR-ed together is planned as a scan of the table, and so is an EXISTS, which
    drops the ordering that tells the planner to read the index.)"""
    parts: list[str] = []
    params: list[Any] = []
    for condition, order in zip(_looks(moment), ORDERS, strict=True):
        # Ordered by the index's column: with LIMIT 1 and a misjudged row count the planner would otherwise
        # bet on finding a row early in a scan of the whole table.
        sql, part_params = SlaClock.objects.filter(condition).order_by(order).values("id")[:1].query.sql_with_params()
        parts.append(f"({sql}) IS NOT NULL")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " OR ".join(parts), params)
        return bool(cursor.fetchone()[0])


WARNED = "warning_recorded_at = %s"
# A clock breached while running is stamped with its deadline; one whose history holds the moment keeps it.
BREACHED = "breached_at = COALESCE(breached_at, due_at), breach_recorded_at = %s"


def sweep_warnings(moment: dt.datetime) -> int:
    recorded = 0
    while True:
        with transaction.atomic():
            clocks = _claim(_looks(moment)[0], ORDERS[0], WARNED, moment)
            if clocks:
                record_warnings(clocks, seen_at=moment)
        recorded += len(clocks)
        if len(clocks) < BATCH:
            return recorded


def _record_breaches(condition: Q, order: str, moment: dt.datetime, policies: Policies) -> int:
    recorded = 0
    while True:
        with transaction.atomic():
            clocks = _claim(condition, order, BREACHED, moment)
            if clocks:
                record_breaches(_breaches(clocks, policies), seen_at=moment)
        recorded += len(clocks)
        if len(clocks) < BATCH:
            return recorded


def sweep_breaches(moment: dt.datetime) -> int:
    policies = Policies()
    _, overdue, unrecorded = _looks(moment)
    return _record_breaches(overdue, ORDERS[1], moment, policies) + _record_breaches(
        unrecorded, ORDERS[2], moment, policies
    )


def sla_sweep(moment: dt.datetime | None = None) -> tuple[int, int]:
    """Record due warnings and breaches; returns (warnings, breaches) recorded by this pass."""
    moment = moment or current_time()
    if not anything_due(moment):
        return 0, 0
    return sweep_warnings(moment), sweep_breaches(moment)
