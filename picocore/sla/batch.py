"""Recomputing the clocks of many tickets at once (`picocore sla_recompute`, a contract or calendar change).

The same derivation as one ticket's `sla_recompute` (`picocore.sla.services.derive`), with the reads and writes
of a batch of tickets done together: the contract, targets and calendar read once per organisation and priority,
the deadline-moving events of the whole batch in one query, the clocks created, updated and deleted in one
statement each, the tickets' SLA columns in one, the breaches recorded in bulk, and one commit per batch.

Concurrency: a batch first locks its tickets (`FOR NO KEY UPDATE SKIP LOCKED`), then reads their timelines and
locks their clocks. A service changing a ticket holds its row lock (`tickets.services.common.locked`) from
before it writes an event until it commits, so a ticket is either skipped by the batch (and recomputed after the
batch, waiting for the lock) or recomputed by the batch from a timeline no service is changing; a service that
comes later waits for the batch's commit and then recomputes the ticket itself. No clocks derived from a stale
timeline are ever written over newer ones. The lock is `NO KEY UPDATE` so that inserting rows that refer to the
ticket (the sweep's SLA records) does not wait for it.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet

from picocore.contracts.models import Contract
from picocore.contracts.selectors import contract_in_force, organisation_date
from picocore.core.clock import now as current_time
from picocore.sla.calendar import BusinessCalendar
from picocore.sla.models import SlaClock
from picocore.sla.recording import Breach, record_breaches
from picocore.sla.rows import create_rows, update_rows
from picocore.sla.services import CLOCK_EVENTS, Policy, clock_states, derive, policy_for
from picocore.tickets.choices import UNFINISHED_STATUSES
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.timeline import Entry, entry_of

BATCH_SIZE = 500
CLOCK_FIELDS = [
    "target_seconds", "clock", "started_at", "due_at", "warn_at", "paused_since", "stopped_at", "stopped_by",
    "breached_at", "elapsed_seconds", "computed_at", "warning_recorded_at", "breach_recorded_at",
]  # fmt: skip
SUMMARY_FIELDS = ["sla_due_at", "sla_warn_at", "sla_soon_at", "sla_paused"]


class Policies:
    """Each organisation's policy per priority, read once per organisation-local date (contracts start and end
    on dates) and reused across its tickets and batches."""

    def __init__(self) -> None:
        self._contracts: dict[tuple[int, dt.date], Contract | None] = {}
        self._policies: dict[tuple[int, int, dt.date], Policy | None] = {}
        self._calendars: dict[int, tuple[BusinessCalendar | None, str]] = {}

    def for_ticket(self, ticket: Ticket, at: dt.datetime) -> Policy | None:
        day = organisation_date(ticket.organisation, at)
        key = (ticket.organisation_id, day)
        if key not in self._contracts:
            self._contracts[key] = contract_in_force(organisation=ticket.organisation, at=at)
        contract = self._contracts[key]
        if contract is None:
            return None
        policy_key = (contract.pk, ticket.priority, day)
        if policy_key not in self._policies:
            self._policies[policy_key] = policy_for(ticket=ticket, at=at, contract=contract, calendars=self._calendars)
        return self._policies[policy_key]


@dataclass
class Outcome:
    """Which tickets a batch recomputed, and which it skipped because a service held them."""

    recomputed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def _timelines(ticket_ids: list[int]) -> dict[int, list[tuple[dt.datetime, Entry, bool]]]:
    """The deadline-moving rows of each ticket's timeline, oldest first, as `clock_states` reads them."""
    rows: dict[int, list[tuple[dt.datetime, Entry, bool]]] = defaultdict(list)
    events = (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind__in=CLOCK_EVENTS)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "created_at", "kind", "data", "public", "actor__staff_role")
    )
    for ticket_id, at, kind, data, public, staff_role in events:
        rows[ticket_id].append((at, entry_of(kind, data), bool(public and staff_role)))
    return rows


def recompute_batch(ticket_ids: Sequence[int], *, policies: Policies, wait: bool = False) -> Outcome:
    """Recompute and store the clocks of these tickets in one transaction, exactly as `sla_recompute` would one
    by one. Tickets a service holds are skipped (see the module's docstring) unless `wait`."""
    outcome = Outcome()
    with transaction.atomic():
        now = current_time()
        locking = Ticket.objects.select_for_update(no_key=True, skip_locked=not wait, of=("self",))
        tickets = list(locking.filter(pk__in=ticket_ids).select_related("organisation").order_by("pk"))
        outcome.recomputed = [ticket.pk for ticket in tickets]
        outcome.skipped = sorted(set(ticket_ids) - set(outcome.recomputed))
        if not tickets:
            return outcome
        timelines = _timelines(outcome.recomputed)
        existing: dict[int, dict[str, SlaClock]] = defaultdict(dict)
        for clock in SlaClock.objects.select_for_update().filter(ticket_id__in=outcome.recomputed):
            existing[clock.ticket_id][clock.metric] = clock
        written: list[SlaClock] = []
        deleted: list[int] = []
        breaches: list[Breach] = []
        changed_tickets: list[Ticket] = []
        for ticket in tickets:
            policy = policies.for_ticket(ticket, now)
            states = (
                clock_states(policy, timelines.get(ticket.pk, ()), created_at=ticket.created_at, now=now)
                if policy is not None
                else {}
            )
            derived = derive(ticket, policy=policy, states=states, existing=existing.get(ticket.pk, {}), now=now)
            written.extend(derived.written)
            deleted.extend(clock.pk for clock in derived.deleted)
            calendar = policy.calendar if policy is not None else None
            breaches.extend(Breach(clock, ticket.priority == 1, at, calendar) for clock, at in derived.breaches)
            if any(getattr(ticket, name) != value for name, value in derived.summary.items()):
                for name, value in derived.summary.items():
                    setattr(ticket, name, value)
                changed_tickets.append(ticket)
        # New clocks first: the breaches' notices name their clocks by id. A new clock goes in with its breach
        # recorded (the two columns recording sets, set here beforehand); a stored one is updated with the rest.
        for breach in breaches:
            breach.clock.breached_at, breach.clock.breach_recorded_at = breach.breached_at, now
        new = [clock for clock in written if clock.pk is None]
        create_rows(SlaClock, new)
        record_breaches(breaches, seen_at=now)
        created = {id(clock) for clock in new}
        update_rows(SlaClock, [clock for clock in written if id(clock) not in created], CLOCK_FIELDS)
        if deleted:
            SlaClock.objects.filter(pk__in=deleted).delete()
        update_rows(Ticket, changed_tickets, SUMMARY_FIELDS)
    return outcome


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def recompute_unfinished(
    tickets: QuerySet[Ticket], *, batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None
) -> int:
    """Recompute the clocks of the unfinished tickets among `tickets`, a batch per transaction; the tickets a
    service held are recomputed at the end, waiting for each. `progress` is told how many tickets each batch
    recomputed. Returns how many tickets were recomputed."""
    ids = list(tickets.filter(status__in=UNFINISHED_STATUSES).order_by("pk").values_list("pk", flat=True))
    policies = Policies()
    done, skipped = 0, []
    for chunk in _chunks(ids, batch_size):
        outcome = recompute_batch(chunk, policies=policies)
        skipped.extend(outcome.skipped)
        done += len(outcome.recomputed)
        if progress:
            progress(len(outcome.recomputed))
    for chunk in _chunks(skipped, batch_size):
        outcome = recompute_batch(chunk, policies=policies, wait=True)
        done += len(outcome.recomputed)
        if progress:
            progress(len(outcome.recomputed))
    return done
