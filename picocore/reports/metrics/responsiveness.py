"""MTTA and MTTR: how long tickets waited for the team's first answer and for their resolution, in business
time of the contract's calendar.

- **MTTA** (mean time to acknowledge): from the ticket's creation to the first public reply by a member of
  staff. A ticket counts in the period its first such reply falls in. Internal notes, status changes (also
  with a resolution note) and the customer's own replies are no acknowledgement.
- **MTTR** (mean time to resolve): from the ticket's creation to its resolution (the status change to
  resolved). A ticket counts in the period it was resolved in; resolved more than once within it, the last
  resolution counts, so the time includes any reopened stretch.
- Both are counted in business time on the calendar of the contract in force when the ticket was created
  (its weekly hours, public holidays and closed days; around the clock without a contract or a calendar),
  without the SLA clocks' pauses: the time the customer waited, not the time the SLA counts.
- Mean and median in whole seconds (rounded half up; the median interpolated between the two middle values).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet

from picocore.reports.metrics.common import (
    Contracts,
    Durations,
    Scope,
    business_seconds,
    local_month,
    scope_contracts,
    scoped,
    without_jit,
)
from picocore.reports.metrics.labels import Labelled, group_labels
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import TicketEvent

RESPONSIVENESS_GROUPS = ("organisation", "tier", "priority", "team", "month")
GROUP_FIELDS = {"organisation": "ticket__organisation_id", "priority": "ticket__priority", "team": "ticket__team_id"}


@dataclass(frozen=True)
class ResponsivenessRow(Labelled):
    """One group: the first answers (MTTA) and the resolutions (MTTR) counted in it."""

    acknowledge: Durations
    resolve: Durations


@dataclass(frozen=True)
class Responsiveness:
    """MTTA and MTTR of the scope's period per group (one row per group with an answer or a resolution), and
    for the whole scope."""

    scope: Scope
    group_by: str
    rows: tuple[ResponsivenessRow, ...]
    acknowledge: Durations
    resolve: Durations


def staff_replies() -> Q:
    """Public replies by a member of staff: what acknowledges a ticket."""
    return Q(kind=EventKind.PUBLIC_REPLY, public=True, actor__isnull=False) & ~Q(actor__staff_role="")


def resolutions() -> Q:
    """Status changes to resolved."""
    return Q(kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED.value)


def _events(scope: Scope, contracts: Contracts, kind: Q) -> QuerySet[TicketEvent]:
    events = TicketEvent.objects.filter(kind, created_at__gte=scope.starts_at, created_at__lt=scope.ends_at)
    return scoped(events, scope, contracts, ticket_prefix="ticket__", team_field="ticket__team_id")


FIELDS = ("ticket_id", "ticket__created_at", "ticket__organisation_id", "ticket__priority", "ticket__team_id")


def first_answers(scope: Scope, contracts: Contracts) -> list[tuple]:
    """(ticket fields…, contract, the first staff reply) for tickets whose first staff reply is in the period:
    a reply in the period with no earlier one on the same ticket (one query)."""
    earlier = TicketEvent.objects.filter(staff_replies(), ticket_id=OuterRef("ticket_id")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    replies = _events(scope, contracts, staff_replies()).filter(~Exists(earlier))
    return list(replies.annotate(contract=F("creation_contract")).values_list(*FIELDS, "contract", "created_at"))


def last_resolutions(scope: Scope, contracts: Contracts) -> list[tuple]:
    """(ticket fields…, contract, the last resolution in the period) for tickets resolved in the period."""
    resolved = _events(scope, contracts, resolutions()).annotate(contract=F("creation_contract"))
    return list(resolved.values_list(*FIELDS, "contract").annotate(at=Max("created_at")).order_by())


def _grouped(
    rows: Iterable[tuple], group_by: str, contracts: Contracts, tier_of: dict[int, int]
) -> dict[object, list[int]]:
    key_of: Callable[[tuple], object]
    index = {"organisation": 2, "priority": 3, "team": 4}
    if group_by == "tier":
        key_of = lambda row: tier_of.get(row[5])  # noqa: E731
    elif group_by == "month":
        key_of = lambda row: local_month(row[6])  # noqa: E731
    else:
        position = index[group_by]
        key_of = lambda row: row[position]  # noqa: E731
    grouped: dict[object, list[int]] = {}
    for row in rows:
        seconds = business_seconds(contracts.calendar(row[5]), row[1], row[6])
        grouped.setdefault(key_of(row), []).append(seconds)
    return grouped


@without_jit
def responsiveness(scope: Scope, *, group_by: str = "organisation") -> Responsiveness:
    """MTTA and MTTR for the scope (module docstring), grouped by organisation, tier, priority, owning team or
    month (of the answer, of the resolution). A constant number of queries — contracts, their calendars, first
    answers, resolutions, the groups' names — whatever the data size; the business time of each ticket counted
    is computed here, from its calendar."""
    if group_by not in RESPONSIVENESS_GROUPS:
        raise ValueError(f"group_by is one of {RESPONSIVENESS_GROUPS}")
    contracts = scope_contracts(scope, calendars=True)
    tier_of = {contract.pk: contract.tier_id for contract in contracts.contracts}
    answered = _grouped(first_answers(scope, contracts), group_by, contracts, tier_of)
    resolved = _grouped(last_resolutions(scope, contracts), group_by, contracts, tier_of)
    keys = set(answered) | set(resolved)
    labels = group_labels(group_by, keys, contracts)
    rows = tuple(
        ResponsivenessRow(
            key=key,
            label=labels[key],
            acknowledge=Durations.of(answered.get(key, [])),
            resolve=Durations.of(resolved.get(key, [])),
        )
        for key in sorted(keys, key=labels.sort_key)
    )
    return Responsiveness(
        scope=scope,
        group_by=group_by,
        rows=rows,
        acknowledge=Durations.of([s for values in answered.values() for s in values]),
        resolve=Durations.of([s for values in resolved.values() for s in values]),
    )
