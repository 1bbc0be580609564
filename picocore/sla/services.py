"""Deriving each ticket's SLA clocks from its timeline and the contract in force, and storing the result.

`sla_recompute` is the only writer of clock rows. It runs in the transaction of every change that can move a
deadline (a status change, a public reply, a priority change) and after contract or calendar edits; it
rebuilds the clocks from the whole history, so the stored values are right by construction.
"""

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from picocore.audit.services import RowChanges, audited_rows, audited_save
from picocore.contracts.models import ClockKind, Contract, SlaMetric, SlaTarget
from picocore.contracts.selectors import contract_in_force
from picocore.core import reference
from picocore.core.clock import now as current_time
from picocore.core.errors import ValidationError
from picocore.core.tasks import enqueue_on_commit
from picocore.sla.calendar import BusinessCalendar, business_time_between
from picocore.sla.clocks import (
    ClockState,
    Target,
    first_response_clock,
    history_from,
    next_update_clock,
    pause_statuses,
    resolution_clock,
)
from picocore.sla.escalation import page_new_p1
from picocore.sla.models import BusinessHoursCalendar, SlaClock
from picocore.sla.presenters import Explanation, explain
from picocore.sla.recording import Breach, record_breaches
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.timeline import Created, Entry, PriorityChanged, deadline_kinds

logger = logging.getLogger(__name__)
ALWAYS_OPEN = BusinessCalendar.always_open("UTC")
CLOCK_FUNCTIONS = {
    SlaMetric.FIRST_RESPONSE: first_response_clock,
    SlaMetric.NEXT_UPDATE: next_update_clock,
    SlaMetric.RESOLUTION: resolution_clock,
}
# Timeline kinds whose entries can move a deadline (each entry class says so); others (notes, links, SLA
# records themselves) cannot.
CLOCK_EVENTS = deadline_kinds()
# Default of `contract=`: look the contract in force up (None is a real answer: there is none).
_LOOK_UP: Any = object()


def business_calendar(calendar: BusinessHoursCalendar | None, *, with_holidays: bool = True) -> BusinessCalendar:
    """The pure calendar for a stored one; around the clock (UTC) when there is none. Raises ValueError when the
    stored calendar cannot be used (see `usable_calendar`)."""
    if calendar is None:
        return BusinessCalendar.always_open("UTC")
    weekly: list[list[tuple[dt.time, dt.time]]] = [[] for _ in range(7)]
    for interval in calendar.intervals.all():
        weekly[interval.weekday].append((interval.starts, interval.ends))
    return BusinessCalendar(
        time_zone=calendar.time_zone,
        weekly=tuple(tuple(sorted(day)) for day in weekly),
        country=calendar.country if with_holidays else "",
        subdivision=calendar.subdivision if with_holidays else "",
        closed_days=frozenset(day.day for day in calendar.closed_days.all()),
        extra_open=tuple((p.starts_at, p.ends_at) for p in calendar.extra_open.all()),
    )


def usable_calendar(calendar: BusinessHoursCalendar | None) -> tuple[BusinessCalendar | None, str]:
    """The pure calendar and "" — or, for a stored calendar that cannot be used (public holidays of an unknown
    country, a broken schedule saved around validation), the best calendar still possible and why it falls
    short: without its public holidays when only those are wrong, None when nothing can be counted. Never
    raises: a bad calendar must not take ticket pages, submissions or the recompute down."""
    try:
        return business_calendar(calendar), ""
    except ValueError as error:
        assert calendar is not None
        problem = _("The business-hours calendar “%(name)s” cannot be used: %(error)s") % {
            "name": calendar.name,
            "error": error,
        }
    try:
        fallback: BusinessCalendar | None = business_calendar(calendar, with_holidays=False)
        problem += " " + _("Deadlines are counted without its public holidays until it is corrected.")
    except ValueError:
        fallback = None
        problem += " " + _("Deadlines are not recomputed until it is corrected.")
    logger.error("%s (calendar id %s)", problem, calendar.pk)
    return fallback, problem


def calendar_problem(calendar: BusinessHoursCalendar) -> str:
    """Why the stored calendar cannot be used as configured; "" when it can."""
    return usable_calendar(calendar)[1]


@dataclass(frozen=True)
class Policy:
    """What a contract promises for one priority: the target of each metric and how it is counted.

    `calendar` is None when the contract's calendar cannot be used at all; `calendar_problem` says why it is
    not used as configured."""

    contract: Contract
    targets: dict[str, SlaTarget]
    calendar: BusinessCalendar | None
    pausing: frozenset[str]
    warn_share: float
    calendar_problem: str = ""
    soon_seconds: int = 0

    def target(self, metric: str) -> Target | None:
        rule = self.targets.get(metric)
        if rule is None:
            return None
        if rule.clock != ClockKind.BUSINESS:
            return Target(
                seconds=rule.minutes * 60,
                calendar=ALWAYS_OPEN,
                warn_share=self.warn_share,
                soon_seconds=self.soon_seconds,
            )
        if self.calendar is None:
            return None
        return Target(
            seconds=rule.minutes * 60,
            calendar=self.calendar,
            warn_share=self.warn_share,
            soon_seconds=self.soon_seconds,
        )


def policy_for(
    *,
    ticket: Ticket,
    at: dt.datetime,
    contract: Any = _LOOK_UP,
    calendars: dict[int, tuple[BusinessCalendar | None, str]] | None = None,
) -> Policy | None:
    """The contract in force at `at` (by the organisation's local date) for the ticket's organisation, as
    targets for the ticket's priority (the contract's own override of a metric wins over its tier's); None
    without a contract. A caller that has read `contract_in_force` for the same moment passes it as
    `contract` (a `Contract` or None), with its tier and calendar; one that reads many passes `calendars`,
    where each calendar is read once (by id, as `usable_calendar` answers)."""
    if contract is _LOOK_UP:
        contract = contract_in_force(organisation=ticket.organisation, at=at)
    if contract is None:
        return None
    if calendars is None:
        return kept_policy(contract, ticket.priority)
    return contract_policy(contract, priority=ticket.priority, calendars=calendars)


def kept_policy(contract: Contract, priority: int) -> Policy:
    """`contract_policy(contract, priority=priority)`, kept per process while the reference data (contracts,
    tiers, targets, calendars) is unchanged (`reference.cached`): no query once known. Shared: read it, never
    change it. Its `calendar_problem` is worded in the language it was first built in (`explain_clocks` words it
    again)."""
    return reference.cached("sla.contract_policy", _cached_policy, contract, priority)


def contract_policy(
    contract: Contract, *, priority: int, calendars: dict[int, tuple[BusinessCalendar | None, str]] | None = None
) -> Policy:
    """What `contract` promises for `priority` (`policy_for`, once the contract is known); `calendars` as there."""
    rules = SlaTarget.objects.filter(priority=priority).filter(tier_id=contract.tier_id)
    rules |= SlaTarget.objects.filter(priority=priority, contract=contract)
    targets: dict[str, SlaTarget] = {}
    # The tier's rows first, the contract's overrides last (and winning). Not by ORDER BY contract_id: where
    # NULL sorts differs between SQLite (first) and PostgreSQL (last).
    for rule in sorted(rules, key=lambda rule: rule.contract_id is not None):
        targets[rule.metric] = rule
    if calendars is not None and contract.calendar_id in calendars:
        usable, problem = calendars[contract.calendar_id]
    else:
        calendar = (
            BusinessHoursCalendar.objects.prefetch_related("intervals", "closed_days", "extra_open")
            .filter(pk=contract.calendar_id)
            .first()
            if contract.calendar_id is not None
            else None
        )
        usable, problem = usable_calendar(calendar)
        if calendars is not None and contract.calendar_id is not None:
            calendars[contract.calendar_id] = usable, problem
    return Policy(
        contract=contract,
        targets=targets,
        calendar=usable,
        pausing=pause_statuses(contract.tier.pause_on_third_party),
        warn_share=contract.tier.warn_at_percent / 100,
        calendar_problem=problem,
        soon_seconds=contract.tier.breaching_soon_hours * 3600,
    )


def compute_clocks(
    ticket: Ticket,
    *,
    now: dt.datetime,
    contract: Any = _LOOK_UP,
    timeline: Sequence[TicketEvent] | None = None,
) -> tuple[Policy | None, dict[str, ClockState]]:
    """Every clock of the ticket as of `now`, from its timeline and the contract in force at `now`. A page
    that has read them already passes the contract (see `policy_for`) and the whole `timeline` (every event
    of the ticket, oldest first, with its actor), so that neither is read twice."""
    policy = policy_for(ticket=ticket, at=now, contract=contract)
    if policy is None:
        return None, {}
    if timeline is None:
        events: Iterable[TicketEvent] = (
            TicketEvent.objects.filter(ticket=ticket, kind__in=CLOCK_EVENTS)
            .select_related("actor")
            .order_by("created_at", "id")
        )
    else:
        events = [e for e in timeline if e.kind in CLOCK_EVENTS]
    rows = [(e.created_at, e.entry, _by_staff(e)) for e in events]
    return policy, clock_states(policy, rows, created_at=ticket.created_at, now=now)


def _by_staff(event: TicketEvent) -> bool:
    """Whether the event is a public one by staff (what stops the first-response clock)."""
    return bool(event.public and event.actor is not None and event.actor.staff_role)


def clock_states(
    policy: Policy, rows: Iterable[tuple[dt.datetime, Entry, bool]], *, created_at: dt.datetime, now: dt.datetime
) -> dict[str, ClockState]:
    """Every clock under `policy` as of `now`, from the ticket's deadline-moving timeline rows (created_at, typed
    entry, by staff and public), oldest first."""
    history = history_from(rows, created_at=created_at)
    clocks: dict[str, ClockState] = {}
    for metric, function in CLOCK_FUNCTIONS.items():
        target = policy.target(metric)
        if target is not None and (state := function(history, target, now, policy.pausing)) is not None:
            clocks[metric] = state
    return clocks


@dataclass
class Derived:
    """What recomputing one ticket writes: the clocks it keeps (`stored`, by metric), those among them to save
    (`written`: new ones without an id, and changed ones), the clocks its contract no longer has (`deleted`),
    the clocks whose breach is recorded now (with the moment it happened) and the ticket's SLA columns."""

    stored: dict[str, SlaClock]
    written: list[SlaClock]
    deleted: list[SlaClock]
    breaches: list[tuple[SlaClock, dt.datetime]]
    summary: dict[str, dt.datetime | bool | None]


def derive(
    ticket: Ticket,
    *,
    policy: Policy | None,
    states: Mapping[str, ClockState],
    existing: Mapping[str, SlaClock],
    now: dt.datetime,
) -> Derived:
    """The ticket's clock rows from its derived clock states and its stored (locked) clocks; no database
    access. The one place that decides what a recompute stores, for one ticket and for a batch alike."""
    existing = dict(existing)
    stored: dict[str, SlaClock] = {}
    written, breaches = [], []
    if policy is not None and policy.calendar is None:
        # The calendar cannot count business time at all: those clocks stay as last derived.
        for metric, rule in policy.targets.items():
            if rule.clock == ClockKind.BUSINESS and metric in existing:
                stored[metric] = existing.pop(metric)
    for metric, state in states.items():
        assert policy is not None  # there are clocks only under a policy
        clock = existing.pop(metric, None) or SlaClock(
            ticket=ticket, organisation_id=ticket.organisation_id, metric=metric
        )
        rule = policy.targets[metric]
        moved_later = clock.due_at is not None and state.due_at is not None and state.due_at > clock.due_at
        if state.breached_at is None:
            clock.breach_recorded_at = None
        if moved_later or (state.warn_at is not None and state.warn_at > now):
            clock.warning_recorded_at = None
        clock.target_seconds = state.target_seconds
        clock.clock = rule.clock
        clock.started_at = state.started_at
        clock.due_at = None if state.stopped_at or state.paused_since else state.due_at
        clock.warn_at = state.warn_at
        clock.paused_since = state.paused_since
        clock.stopped_at = state.stopped_at
        clock.stopped_by = state.stopped_by
        clock.breached_at = state.breached_at
        clock.elapsed_seconds = int(state.elapsed.total_seconds())
        clock.computed_at = now
        written.append(clock)
        if state.breached_at is not None and clock.breach_recorded_at is None:
            breaches.append((clock, state.breached_at))
        stored[metric] = clock
    summary = ticket_sla_summary(stored.values(), soon_at={m: s.soon_at for m, s in states.items()})
    return Derived(stored=stored, written=written, deleted=list(existing.values()), breaches=breaches, summary=summary)


def sla_recompute(*, ticket: Ticket, now: dt.datetime | None = None) -> dict[str, SlaClock]:
    """Rebuild and store the ticket's clocks and its next deadline (`Ticket.sla_due_at`), and record every
    breach the history shows that nobody recorded yet, stamped with the moment it happened.

    A breach once recorded stays recorded while the history still shows one; when it no longer does (a reopen,
    a lower priority, a longer target moved the deadline ahead) the next breach is recorded anew. A warning
    whose moment lies ahead again can be recorded again. Many tickets at once: `picocore.sla.batch`.
    """
    now = now or current_time()
    policy, states = compute_clocks(ticket, now=now)
    with transaction.atomic():
        existing = {c.metric: c for c in SlaClock.objects.select_for_update().filter(ticket=ticket)}
        derived = derive(ticket, policy=policy, states=states, existing=existing, now=now)
        for clock in derived.written:
            clock.save()
        if derived.breaches:
            calendar = policy.calendar if policy is not None else None
            record_breaches(
                [Breach(clock, ticket.priority == 1, at, calendar) for clock, at in derived.breaches], seen_at=now
            )
            for clock, _breached_at in derived.breaches:
                clock.save(update_fields=["breached_at", "breach_recorded_at"])
        if derived.deleted:
            SlaClock.objects.filter(pk__in=[c.pk for c in derived.deleted]).delete()
        for name, value in derived.summary.items():
            setattr(ticket, name, value)
        Ticket.objects.filter(pk=ticket.pk).update(**derived.summary)
    return derived.stored


def ticket_sla_summary(
    clocks: Iterable[SlaClock], *, soon_at: Mapping[str, dt.datetime | None]
) -> dict[str, dt.datetime | bool | None]:
    """The ticket's stored SLA columns from its clocks, for the desk's queues to read without the clocks:
    the next deadline and the warning moment of the running ones, when the ticket joins "Breaching soon" (the
    first running clock to pass its warning share or to have at most the tier's "soon" hours left), and
    whether its clocks are paused with none running. `soon_at` holds each metric's moment with few hours left
    (clock rows do not store it)."""
    running = [c for c in clocks if c.due_at is not None]
    paused = [c for c in clocks if c.is_paused]
    joins = [moment for c in running for moment in (c.warn_at, soon_at.get(c.metric), c.due_at) if moment is not None]
    warnings = [c.warn_at for c in running if c.warn_at is not None]
    return {
        "sla_due_at": min(c.due_at for c in running if c.due_at is not None) if running else None,
        "sla_warn_at": min(warnings) if warnings else None,
        "sla_soon_at": min(joins) if joins else None,
        "sla_paused": bool(paused) and not running,
    }


def sla_event_recorded(*, ticket: Ticket, entry: Entry, by_staff: bool, at: dt.datetime) -> None:
    """What a new timeline event means for the SLA, in its transaction: the clocks are recomputed when it can
    move a deadline, and a ticket that is created as P1 or raised to P1 outside business hours pages whoever
    is on call (SPEC 6), once per ticket."""
    if not entry.moves_deadline(by_staff=by_staff):
        return
    sla_recompute(ticket=ticket, now=at)
    became_p1 = isinstance(entry, Created) or (isinstance(entry, PriorityChanged) and entry.after == 1)
    if became_p1 and ticket.priority == 1:
        policy = policy_for(ticket=ticket, at=at)
        page_new_p1(ticket=ticket, at=at, calendar=policy.calendar if policy is not None else None)


def clocks_recompute_later(organisation_ids: Iterable[int]) -> None:
    """Deadlines depend on contracts and calendars: recompute each affected organisation's tickets once the
    change commits (nothing, should it roll back)."""
    from picocore.sla.tasks import recompute_organisation_clocks  # the task module imports this one

    for organisation_id in sorted(set(organisation_ids)):
        enqueue_on_commit(recompute_organisation_clocks, organisation_id)


@transaction.atomic
def calendar_update(
    *,
    actor: User | None,
    calendar: BusinessHoursCalendar,
    intervals: RowChanges | None = None,
    closed_days: RowChanges | None = None,
    extra_open: RowChanges | None = None,
) -> BusinessHoursCalendar:
    """Save the calendar as given (new or changed) with its weekly schedule, closed days and extra open
    periods, each change audited with before and after; every organisation whose contract uses it has its
    clocks recomputed after commit. A calendar whose public holidays are unknown is refused (ValidationError)
    and nothing is saved."""
    try:
        calendar.full_clean()
    except DjangoValidationError as error:
        raise ValidationError(field_errors=error.message_dict) from None
    audited_save(actor=actor, instance=calendar)
    for rows in (intervals, closed_days, extra_open):
        audited_rows(actor=actor, changes=rows)
    clocks_recompute_later(calendar.contracts.values_list("organisation_id", flat=True))
    return calendar


@dataclass(frozen=True)
class SlaExplanation:
    """The desk's view of a ticket's clocks: each clock explained, in `zone` (the customer's time zone), and
    what is wrong with the contract's calendar, if anything."""

    clocks: list[Explanation]
    zone: zoneinfo.ZoneInfo
    problem: str = ""


def explain_clocks(
    ticket: Ticket,
    *,
    now: dt.datetime | None = None,
    contract: Any = _LOOK_UP,
    timeline: Sequence[TicketEvent] | None = None,
) -> SlaExplanation:
    """Each clock with its target, calendar, running and paused periods and the reason for its deadline, in
    the customer's time zone. `contract` and `timeline` as for `compute_clocks`."""
    now = now or current_time()
    zone = zoneinfo.ZoneInfo(ticket.organisation.time_zone)
    policy, states = compute_clocks(ticket, now=now, contract=contract, timeline=timeline)
    if policy is None:
        return SlaExplanation(clocks=[], zone=zone)
    calendar_name = policy.contract.calendar.name if policy.contract.calendar is not None else "around the clock"
    explanations = []
    for metric, state in states.items():
        target = policy.target(metric)
        assert target is not None  # compute_clocks only derives clocks that have one
        counted = [business_time_between(target.calendar, a, b or now) for a, b in state.running]
        explanations.append(
            explain(
                metric,
                state,
                business=policy.targets[metric].clock == ClockKind.BUSINESS,
                calendar_name=calendar_name,
                priority=ticket.priority,
                tier=policy.contract.tier.name,
                counted_per_period=counted,
                now=now,
                zone=zone,
            )
        )
    # The kept policy's wording of a calendar problem is in the language it was built in: say it in this one.
    stored = policy.contract.calendar
    problem = calendar_problem(stored) if policy.calendar_problem and stored is not None else ""
    return SlaExplanation(clocks=explanations, zone=zone, problem=problem)


@dataclass(frozen=True)
class Start:
    """The clocks a new ticket starts with (not saved yet) and the calendar they count in."""

    clocks: list[SlaClock]
    calendar: BusinessCalendar | None


def sla_start(*, ticket: Ticket, created: TicketEvent, contract: Contract | None) -> Start | None:
    """What `sla_recompute` would store for a new ticket whose only event is `created`, without reading the
    ticket's events or clocks (it has none yet) or the contract (the caller read the one in force now): the
    clocks, still to be saved once the ticket has its id (`sla_start_save`), and the ticket's SLA columns, set on
    `ticket` before it is inserted. None when a clock is breached already (a target of zero): the ticket then
    goes through `sla_recompute`, which records the breach."""
    # The contract's promise for this priority is reference data, kept per process (`reference.cached`) while
    # it is unchanged: a submission reads no SLA target or calendar.
    policy = kept_policy(contract, ticket.priority) if contract is not None else None
    states = {}
    if policy is not None:
        rows = [(e.created_at, e.entry, _by_staff(e)) for e in [created] if e.kind in CLOCK_EVENTS]
        states = clock_states(policy, rows, created_at=ticket.created_at, now=created.created_at)
    if any(state.breached_at is not None for state in states.values()):
        return None
    # The same derivation as every recompute, from no stored clocks.
    derived = derive(ticket, policy=policy, states=states, existing={}, now=created.created_at)
    for name, value in derived.summary.items():
        setattr(ticket, name, value)
    return Start(clocks=derived.written, calendar=policy.calendar if policy is not None else None)


def _cached_policy(contract: Contract, priority: int) -> Policy:
    return contract_policy(contract, priority=priority)


def sla_start_save(start: Start, *, ticket: Ticket) -> None:
    """Insert the new ticket's clocks (one statement) and page whoever is on call for a P1 outside business hours,
    as `sla_event_recorded` does for a `created` event."""
    SlaClock.objects.bulk_create(start.clocks)
    if ticket.priority == 1:
        page_new_p1(ticket=ticket, at=ticket.created_at, calendar=start.calendar)
