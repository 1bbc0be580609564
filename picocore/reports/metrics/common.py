"""What every report figure shares: the scope it counts (organisations, period, tier, team, contract), the
contract in force when a ticket was created, the contracts' business-hours calendars, and the statistics.

Nothing here knows who asks: callers (the report pages, the monthly service review) decide which organisations
a person may see and pass their ids. Every function reads a constant number of queries whatever the data size.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When, prefetch_related_objects
from django.utils import timezone

from picocore.contracts.models import Contract
from picocore.core.clock import now as current_time
from picocore.sla.calendar import BusinessCalendar, business_time_between
from picocore.sla.services import usable_calendar

# Business time of a ticket whose contract has no calendar (or none in force): around the clock.
AROUND_THE_CLOCK = BusinessCalendar.always_open("UTC")


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_period(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month `month` falls in: the `start` and `end` of a one-month `Scope`."""
    first = month.replace(day=1)
    return first, add_months(first, 1) - dt.timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class Scope:
    """What a figure counts: the organisations with these ids, from the first moment of `start` to the last of
    `end` (both days included, in the installation's time zone, as the SLA report counts months), optionally
    only under one tier, one operations team, or one contract.

    Tier and contract are those *in force when the ticket was created* (as `contract_in_force` judges it, by the
    organisation's local date; the latest-starting one where several overlap). The team is the ticket's owning
    team; for ratings, the team the rating was kept with (see `picocore.reports.metrics.satisfaction`).
    Raises ValueError for a period that ends before it starts."""

    organisation_ids: Collection[int]  # kept as a frozenset
    start: dt.date
    end: dt.date
    tier: int | None = None
    team: int | None = None
    contract: int | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        object.__setattr__(self, "organisation_ids", frozenset(self.organisation_ids))

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=timezone.get_default_timezone())

    @property
    def ends_at(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_default_timezone())

    @property
    def first_month(self) -> dt.date:
        return self.start.replace(day=1)

    @property
    def last_month(self) -> dt.date:
        return self.end.replace(day=1)


@dataclass(frozen=True)
class Contracts:
    """The scope's organisations' contracts (with tier, organisation and calendar), the latest-starting first,
    and their usable business calendars by contract id."""

    contracts: list[Contract]
    calendars: dict[int, BusinessCalendar] = field(default_factory=dict)

    @property
    def by_id(self) -> dict[int, Contract]:
        return {contract.pk: contract for contract in self.contracts}

    def calendar(self, contract_id: int | None) -> BusinessCalendar:
        """The business calendar of the contract; around the clock without a contract or a usable calendar."""
        if contract_id is None:
            return AROUND_THE_CLOCK
        return self.calendars.get(contract_id, AROUND_THE_CLOCK)

    def time_zone(self, contract_id: int | None) -> zoneinfo.ZoneInfo:
        """The zone business days are counted in: the calendar's, else the organisation's."""
        contract = self.by_id.get(contract_id) if contract_id is not None else None
        if contract is None:
            return zoneinfo.ZoneInfo(str(timezone.get_default_timezone()))
        if contract.calendar is not None and contract.pk in self.calendars:
            return zoneinfo.ZoneInfo(self.calendars[contract.pk].time_zone)
        return zoneinfo.ZoneInfo(contract.organisation.time_zone)


def scope_contracts(scope: Scope, *, calendars: bool = False) -> Contracts:
    """Every contract of the scope's organisations: one query, and with `calendars` three more (their opening
    hours, closed days and extra openings, once for all calendars)."""
    contracts = list(
        Contract.objects.filter(organisation_id__in=sorted(scope.organisation_ids))
        .select_related("tier", "organisation", "calendar")
        .order_by("-starts_on", "-id")  # as `contract_in_force`: the latest-starting one wins
    )
    usable: dict[int, BusinessCalendar] = {}
    if calendars:
        stored = {contract.calendar_id: contract.calendar for contract in contracts if contract.calendar is not None}
        if stored:
            prefetch_related_objects(list(stored.values()), "intervals", "closed_days", "extra_open")
        pure = {pk: usable_calendar(calendar)[0] for pk, calendar in stored.items()}
        for contract in contracts:
            found = pure.get(contract.calendar_id) if contract.calendar_id is not None else None
            if found is not None:
                usable[contract.pk] = found
    return Contracts(contracts=contracts, calendars=usable)


def _contract_period(contract: Contract, prefix: str) -> Q:
    """The ticket creations (`<prefix>created_at`) that fall within the contract's days, in its organisation's
    time zone."""
    zone = zoneinfo.ZoneInfo(contract.organisation.time_zone)
    period = Q(**{f"{prefix}organisation_id": contract.organisation_id})
    period &= Q(**{f"{prefix}created_at__gte": dt.datetime.combine(contract.starts_on, dt.time(), tzinfo=zone)})
    if contract.ends_on is not None and contract.ends_on < dt.date.max:
        last_day_end = dt.datetime.combine(contract.ends_on + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        period &= Q(**{f"{prefix}created_at__lt": last_day_end})
    return period


def contract_at_creation(contracts: Sequence[Contract], prefix: str = "") -> Case:
    """The id of the contract in force when the ticket (reached through `prefix`, e.g. "ticket__") was created:
    the contracts come latest-starting first, so where several overlap the first matching one wins, as in
    `contract_in_force`. NULL without one."""
    whens = [When(_contract_period(contract, prefix), then=Value(contract.pk)) for contract in contracts]
    return Case(*whens, default=None, output_field=IntegerField())


def scoped[M: QuerySet](
    queryset: M,
    scope: Scope,
    contracts: Contracts,
    *,
    organisation_field: str = "organisation_id",
    ticket_prefix: str = "",
    team_field: str | None = "team_id",
) -> M:
    """`queryset` limited to the scope's organisations, with the contract in force at the ticket's creation as
    the alias `creation_contract` (and filtered by the scope's tier, contract and — when `team_field` — team)."""
    rows = queryset.filter(**{f"{organisation_field}__in": sorted(scope.organisation_ids)}).alias(
        creation_contract=contract_at_creation(contracts.contracts, ticket_prefix)
    )
    if scope.contract is not None:
        rows = rows.filter(creation_contract=scope.contract)
    if scope.tier is not None:
        rows = rows.filter(creation_contract__in=[c.pk for c in contracts.contracts if c.tier_id == scope.tier])
    if scope.team is not None and team_field is not None:
        rows = rows.filter(**{team_field: scope.team})
    return rows


def moment_now(now: dt.datetime | None) -> dt.datetime:
    return now or current_time()


def business_seconds(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Whole seconds of business time in [start, end) (rounded half up), as the SLA clocks count it."""
    counted = business_time_between(calendar, start, end)
    return int((Decimal(counted.total_seconds())).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Durations:
    """Counted times in whole seconds: how many, their mean (rounded half up) and median (interpolated between
    the two middle values like PostgreSQL's `percentile_cont(0.5)`, rounded half up); None without any."""

    count: int = 0
    mean: int | None = None
    median: int | None = None

    @classmethod
    def of(cls, values: Sequence[int]) -> "Durations":
        if not values:
            return cls()
        ordered = sorted(values)
        size = len(ordered)
        mean = _round_half_up(Fraction(sum(ordered), size))
        middle = Fraction(size - 1, 2)
        lower = middle.numerator // middle.denominator
        median = Fraction(ordered[lower])
        if middle != lower:
            median += (middle - lower) * (ordered[lower + 1] - ordered[lower])
        return cls(count=size, mean=mean, median=_round_half_up(median))


def _round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)


def share(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole` to two decimals (half up); None when `whole` is zero."""
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def local_month(moment: dt.datetime) -> dt.date:
    """The first day of the month of `moment` in the installation's time zone."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def without_jit[**P, R](figure: Callable[P, R]) -> Callable[P, R]:
    """Run a figure's queries with PostgreSQL's JIT compiler off (`SET LOCAL`, for its own transaction or
    savepoint only). Its grouped scans over every ticket of a period are estimated costly enough to set the
    compiler off, which then spends seconds compiling what runs in a fraction of that (9.8 s of 10.4 s for the
    backlog at 100,000 tickets). Nothing changes on SQLite."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.vendor != "postgresql":
            return figure(*args, **kwargs)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            return figure(*args, **kwargs)

    run.__name__, run.__qualname__, run.__doc__ = figure.__name__, figure.__qualname__, figure.__doc__
    run.__module__ = figure.__module__
    return run
