"""Reopen rate: the share of resolved tickets that were reopened.

- **Resolved**: tickets with a status change to resolved within the period (a ticket resolved twice counts
  once).
- **Reopened**: those of them whose status later went from resolved back to an open status (the customer
  reopened it, or replied to it) after one of those resolutions — whenever that happened, so the figure of
  a recent period can still grow while its reopen windows run. Closing a resolved ticket is no reopening.
- Rate: reopened ÷ resolved, as a percentage to two decimals.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from picocore.reports.metrics.common import Scope, scope_contracts, scoped, share, without_jit
from picocore.reports.metrics.labels import Labelled, group_labels, month_key
from picocore.reports.metrics.responsiveness import resolutions
from picocore.tickets.choices import OPEN_STATUSES, EventKind, Status
from picocore.tickets.models import TicketEvent

REOPEN_GROUPS = ("organisation", "tier", "priority", "team", "month")
GROUP_FIELDS = {"organisation": "ticket__organisation_id", "priority": "ticket__priority", "team": "ticket__team_id"}


@dataclass(frozen=True)
class ReopenRow(Labelled):
    resolved: int
    reopened: int

    @property
    def rate(self) -> Decimal | None:
        return share(self.reopened, self.resolved)


@dataclass(frozen=True)
class Reopens:
    """Tickets resolved in the scope's period and how many of them were reopened, per group and in all (a
    ticket resolved in two months of the period counts in each of them when grouped by month, once in all)."""

    scope: Scope
    group_by: str
    rows: tuple[ReopenRow, ...]
    resolved: int
    reopened: int

    @property
    def rate(self) -> Decimal | None:
        return share(self.reopened, self.resolved)


def reopenings() -> Q:
    """Status changes from resolved back to an open status."""
    return Q(kind=EventKind.STATUS_CHANGED, data__before=Status.RESOLVED.value, data__after__in=list(OPEN_STATUSES))


@without_jit
def reopen_rate(scope: Scope, *, group_by: str = "organisation") -> Reopens:
    """The scope's reopen rate (module docstring) grouped by organisation, tier, priority, owning team or month
    of the resolution: exact counts from a constant number of queries (contracts, grouped counts, the totals,
    the groups' names) whatever the data size."""
    if group_by not in REOPEN_GROUPS:
        raise ValueError(f"group_by is one of {REOPEN_GROUPS}")
    contracts = scope_contracts(scope)
    tier_of = {contract.pk: contract.tier_id for contract in contracts.contracts}
    later_reopening = TicketEvent.objects.filter(
        reopenings(), ticket_id=OuterRef("ticket_id"), created_at__gt=OuterRef("created_at")
    )
    events = scoped(
        TicketEvent.objects.filter(resolutions(), created_at__gte=scope.starts_at, created_at__lt=scope.ends_at),
        scope,
        contracts,
        ticket_prefix="ticket__",
        team_field="ticket__team_id",
    ).alias(reopened=Exists(later_reopening))
    counts = {
        "resolved": Count("ticket_id", distinct=True),
        "reopened_count": Count("ticket_id", distinct=True, filter=Q(reopened=True)),
    }
    if group_by == "month":
        grouping = events.annotate(group=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
    elif group_by == "tier":
        grouping = events.annotate(group=F("creation_contract"))
    else:
        grouping = events.annotate(group=F(GROUP_FIELDS[group_by]))
    counted: dict[object, list[int]] = {}
    grouped: list[dict[str, Any]] = [dict(row) for row in grouping.values("group").annotate(**counts).order_by()]
    for found in grouped:
        key = found["group"]
        key = month_key(key) if group_by == "month" else tier_of.get(key) if group_by == "tier" else key
        figures = counted.setdefault(key, [0, 0])
        figures[0] += found["resolved"]
        figures[1] += found["reopened_count"]
    totals = events.aggregate(**counts)
    labels = group_labels(group_by, counted.keys(), contracts)
    rows = tuple(
        ReopenRow(key=key, label=labels[key], resolved=resolved, reopened=reopened)
        for key, (resolved, reopened) in sorted(counted.items(), key=lambda item: labels.sort_key(item[0]))
    )
    return Reopens(
        scope=scope, group_by=group_by, rows=rows, resolved=totals["resolved"], reopened=totals["reopened_count"]
    )
