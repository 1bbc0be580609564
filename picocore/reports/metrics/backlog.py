"""Backlog and ageing: the tickets open at the end of a period, by how many business days they had been open.

- **Open at the end**: created before the period's last moment (or before now, for a period not yet over) and,
  at that moment, in an open status — new, triaged, in progress, waiting on the customer or on a third party.
  Resolved tickets wait for the customer, not for the team: they are not backlog. The status at that moment
  is read from the ticket's history (its last status change before it), so a ticket closed since still counts
  in the months it was open, and one reopened since counts as what it was then.
- **Business days open**: the business days of the calendar of the contract in force when the ticket was
  created that began after the day it was created, up to and including the last day counted (both days in
  the calendar's time zone): a day with opening hours that is neither a public holiday nor a closed day. A
  ticket created on Friday and counted on Monday has been open one business day; one created the same day
  none. Without a contract or a calendar, every day counts.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncDate

from picocore.reports.metrics.common import Contracts, Scope, moment_now, scope_contracts, scoped, without_jit
from picocore.reports.metrics.labels import Labelled, group_labels
from picocore.sla.calendar import BusinessCalendar
from picocore.tickets.choices import OPEN_STATUSES, EventKind, Status
from picocore.tickets.models import Ticket, TicketEvent

# (first, last) business days of each ageing bucket; None: no upper bound.
BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 1), (2, 5), (6, 10), (11, 20), (21, None))
BACKLOG_GROUPS = ("organisation", "priority", "tier", "team")
FINISHED = (Status.CLOSED, Status.CANCELLED)


def bucket_label(bucket: tuple[int, int | None]) -> str:
    """ "0–1", "21+"."""
    first, last = bucket
    return f"{first}+" if last is None else f"{first}–{last}"


def bucket_of(days: int) -> int:
    """The index in `BUCKETS` of a ticket open `days` business days."""
    for index, (_first, last) in enumerate(BUCKETS):
        if last is None or days <= last:
            return index
    raise AssertionError("the last bucket has no upper bound")


@dataclass(frozen=True)
class BacklogRow(Labelled):
    """One group's open tickets at the end, per ageing bucket (in the order of `BUCKETS`)."""

    buckets: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass(frozen=True)
class Backlog:
    """The backlog of a scope at `at` (the end of its period, or the moment it was counted if that came first),
    one row per group of `group_by` that has open tickets."""

    scope: Scope
    group_by: str
    at: dt.datetime
    rows: tuple[BacklogRow, ...]

    @cached_property
    def buckets(self) -> tuple[int, ...]:
        """Open tickets per bucket, all groups together."""
        return tuple(sum(row.buckets[index] for row in self.rows) for index in range(len(BUCKETS)))

    @property
    def total(self) -> int:
        return sum(self.buckets)


def _unchanged_open(at: dt.datetime) -> Q:
    """Tickets open now whose status has not changed since `at` (`updated_at` moves with every status change):
    they were open then."""
    return Q(status__in=OPEN_STATUSES, updated_at__lt=at)


def _finished_before(at: dt.datetime) -> Q:
    """Tickets closed, cancelled or resolved before `at` and still so: they were not open then."""
    return Q(status__in=FINISHED, closed_at__lt=at) | Q(status=Status.RESOLVED, resolved_at__lt=at)


def _status_then(at: dt.datetime) -> Coalesce:
    """The ticket's status at `at` from its history: its last status change before it (new without one)."""
    last_change = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.STATUS_CHANGED, created_at__lt=at)
        .order_by("-created_at", "-pk")
        .values_list(KT("data__after"))[:1]
    )
    return Coalesce(Subquery(last_change), Value(Status.NEW.value), output_field=CharField())


def _local_creation_date(contracts: Contracts) -> Case:
    """The ticket's creation date in the time zone its business days are counted in (see `Contracts`)."""
    zones: dict[str, list[int]] = {}
    for contract in contracts.contracts:
        zones.setdefault(str(contracts.time_zone(contract.pk)), []).append(contract.pk)
    default_zone = contracts.time_zone(None)
    whens = [
        When(creation_contract__in=ids, then=TruncDate("created_at", tzinfo=contracts.time_zone(ids[0])))
        for ids in zones.values()
    ]
    return Case(*whens, default=TruncDate("created_at", tzinfo=default_zone))


class _BusinessDays:
    """Counts a calendar's business days in (after, until] in constant time, from the days' running totals."""

    def __init__(self, calendar: BusinessCalendar, first: dt.date, last: dt.date) -> None:
        self.first = first
        totals = [0]
        day = first
        while day <= last:
            weekly_open = bool(calendar.weekly[day.weekday()])
            totals.append(totals[-1] + (1 if weekly_open and calendar.is_open_day(day) else 0))
            day += dt.timedelta(days=1)
        self.totals = totals

    def after(self, created: dt.date, until: dt.date) -> int:
        if until <= created:
            return 0
        return self.totals[(until - self.first).days + 1] - self.totals[(created - self.first).days + 1]


GROUP_FIELDS = {"organisation": "organisation_id", "priority": "priority", "team": "team_id"}


@without_jit
def backlog(scope: Scope, *, group_by: str = "organisation", now: dt.datetime | None = None) -> Backlog:
    """The scope's backlog at the end of its period (module docstring), grouped by organisation, priority,
    tier (of the contract in force at creation) or owning team. Ticket numbers are exact; a constant number of
    queries (contracts, their calendars, the grouped tickets, the groups' names) whatever the data size: the
    tickets come grouped by creation day, so what is transferred grows with the days, not the tickets."""
    if group_by not in BACKLOG_GROUPS:
        raise ValueError(f"group_by is one of {BACKLOG_GROUPS}")
    at = min(scope.ends_at, moment_now(now))
    contracts = scope_contracts(scope, calendars=True)
    tier_of = {contract.pk: contract.tier_id for contract in contracts.contracts}
    # Two queries: the tickets open and unchanged since `at`, and the few changed since (or finished after it),
    # whose status then comes from their history. Kept apart so that the planner costs the history's subquery
    # for those few only (over every ticket its estimate alone set off PostgreSQL's JIT compiler, for seconds).
    created = scoped(Ticket.objects.filter(created_at__lt=at), scope, contracts)
    changed = (
        created.exclude(_unchanged_open(at))
        .exclude(_finished_before(at))
        .alias(status_then=_status_then(at))
        .filter(status_then__in=OPEN_STATUSES)
    )
    grouped = []
    for tickets in (created.filter(_unchanged_open(at)), changed):
        tickets = tickets.annotate(contract=F("creation_contract"), day=_local_creation_date(contracts))
        if group_by == "tier":
            pairs = tickets.values_list("contract", "day").annotate(count=Count("pk")).order_by()
            grouped += [(contract, contract, day, count) for contract, day, count in pairs]
        else:
            fields = (GROUP_FIELDS[group_by], "contract", "day")
            grouped += list(tickets.values_list(*fields).annotate(count=Count("pk")).order_by())
    # The last day counted: the day of the period's last instant (or of now), in each calendar's zone.
    last_instant = at - dt.timedelta(microseconds=1)
    firsts: dict[int | None, dt.date] = {}
    for _key, contract_id, created, _count in grouped:
        firsts[contract_id] = min(created, firsts.get(contract_id, created))
    counters = {
        contract_id: _BusinessDays(
            contracts.calendar(contract_id), first, last_instant.astimezone(contracts.time_zone(contract_id)).date()
        )
        for contract_id, first in firsts.items()
    }
    counted: dict[object, list[int]] = {}
    for key, contract_id, created, count in grouped:
        group = tier_of.get(key) if group_by == "tier" else key
        counter = counters[contract_id]
        until = last_instant.astimezone(contracts.time_zone(contract_id)).date()
        counted.setdefault(group, [0] * len(BUCKETS))[bucket_of(counter.after(created, until))] += count
    labels = group_labels(group_by, counted.keys(), contracts)
    rows = tuple(
        BacklogRow(key=key, label=labels[key], buckets=tuple(buckets))
        for key, buckets in sorted(counted.items(), key=lambda item: labels.sort_key(item[0]))
    )
    return Backlog(scope=scope, group_by=group_by, at=at, rows=rows)
