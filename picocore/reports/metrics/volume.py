"""Volume: how many tickets were created, per month and per request type, priority, solution or channel.

Every ticket created within the period counts once, in the month it was created (in the installation's time
zone), whatever became of it since — merged duplicates and cancelled requests included, since each was a
request the team received. The request type, priority, solution and channel are the ticket's current ones.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from picocore.reports.metrics.common import Contracts, Scope, add_months, scope_contracts, scoped, without_jit
from picocore.reports.metrics.labels import Labelled, group_labels, month_key
from picocore.tickets.models import Ticket

VOLUME_DIMENSIONS = {
    "request_type": "request_type_id",
    "priority": "priority",
    "solution": "solution_id",
    "channel": "channel",
}


@dataclass(frozen=True)
class VolumeRow(Labelled):
    """One value of the dimension (a request type, priority, solution — None: none — or channel): tickets per
    month, in the order of `Volume.months`."""

    months: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.months)


@dataclass(frozen=True)
class Volume:
    """Tickets created in the scope's period by month and by `dimension`: every month of the period (each a
    first day) and one row per value that had tickets, largest total first (priorities in order)."""

    scope: Scope
    dimension: str
    months: tuple[dt.date, ...]
    rows: tuple[VolumeRow, ...]

    @cached_property
    def month_totals(self) -> tuple[int, ...]:
        return tuple(sum(row.months[index] for row in self.rows) for index in range(len(self.months)))

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


def period_months(scope: Scope) -> tuple[dt.date, ...]:
    months, month = [], scope.first_month
    while month <= scope.last_month:
        months.append(month)
        month = add_months(month, 1)
    return tuple(months)


@without_jit
def volume(scope: Scope, *, dimension: str = "request_type") -> Volume:
    """The scope's volume (module docstring) by `dimension`: exact counts from three queries (contracts, the
    tickets grouped by month and value, the values' names) whatever the data size."""
    return _volume(scope, dimension, scope_contracts(scope))


@without_jit
def volumes(scope: Scope, dimensions: Iterable[str]) -> dict[str, Volume]:
    """The scope's volume by each of `dimensions`, as `volume` counts it, with the scope's contracts read once:
    one query, then two per dimension."""
    contracts = scope_contracts(scope)
    return {dimension: _volume(scope, dimension, contracts) for dimension in dimensions}


def _volume(scope: Scope, dimension: str, contracts: Contracts) -> Volume:
    if dimension not in VOLUME_DIMENSIONS:
        raise ValueError(f"dimension is one of {tuple(VOLUME_DIMENSIONS)}")
    tickets = scoped(
        Ticket.objects.filter(created_at__gte=scope.starts_at, created_at__lt=scope.ends_at), scope, contracts
    )
    grouped = (
        tickets.annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
        .values_list("month", VOLUME_DIMENSIONS[dimension])
        .annotate(count=Count("pk"))
        .order_by()
    )
    months = period_months(scope)
    index = {month: position for position, month in enumerate(months)}
    counted: dict[object, list[int]] = {}
    for month, key, count in grouped:
        counted.setdefault(key, [0] * len(months))[index[month_key(month)]] += count
    labels = group_labels(dimension, counted.keys(), contracts)
    rows = sorted(
        (VolumeRow(key=key, label=labels[key], months=tuple(counts)) for key, counts in counted.items()),
        key=lambda row: labels.sort_key(row.key) if dimension == "priority" else (-row.total, labels.sort_key(row.key)),
    )
    return Volume(scope=scope, dimension=dimension, months=months, rows=tuple(rows))
