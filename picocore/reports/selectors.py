"""The SLA compliance report: first-response and resolution clocks counted per organisation, tier, priority or
month, in a constant number of queries whatever the amount of data.

What counts (each ticket has at most one clock per metric, see `picocore.sla.models.SlaClock`):

- a ticket is in the report when it was created within the months asked for (in the installation's time zone)
  and has a first-response or resolution clock; tickets without a contract have no clocks and are left out;
- **met**: the clock stopped and was never breached;
- **missed**: the clock was breached — after it stopped late, *and* while it still runs past its target (a
  clock that runs past its deadline is already missed whatever happens next; its deadline is compared with
  `now` so a breach the clocks have not been recomputed for yet counts too);
- a clock still running (or paused) within its target is neither: compliance is met ÷ (met + missed);
- median and 90th percentile of the counted time (`elapsed_seconds`: business or calendar time as the
  contract says) of the *stopped* clocks, interpolated linearly between ranks like PostgreSQL's
  `percentile_cont`;
- tier: the tier of the contract in force when the ticket was created, judged by the organisation's local date
  as `contract_in_force` judges it: each contract's days become the moments between its organisation's local
  midnights, so a ticket created just after midnight in Copenhagen counts under the contract starting that day.
"""

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format

from picocore.catalog.choices import Priority
from picocore.contracts.models import Contract, SlaMetric, Tier
from picocore.core.clock import now as current_time
from picocore.reports.metrics import Scope, month_period
from picocore.sla.models import SlaClock
from picocore.tenancy.choices import TeamKind
from picocore.tenancy.models import Team, User
from picocore.tenancy.scope import restrict, served_organisations
from picocore.tickets.queues import can_use_desk

GROUPINGS = {
    "organisation": "Organisation",
    "tier": "Tier",
    "priority": "Priority",
    "month": "Month",
}
REPORTED = (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)
# The months a report may cover: far beyond any ticket, and far enough from year 1 and 9999 that a month's
# start and end are moments every time zone and both databases can hold.
FIRST_MONTH = dt.date(1970, 1, 1)
LAST_MONTH = dt.date(2999, 12, 1)
PERCENTILES = {"median": Fraction(1, 2), "p90": Fraction(9, 10)}
NO_TIER = "No contract"


@dataclass(frozen=True)
class ReportFilters:
    """What the report counts: tickets created from the first day of `month_from` until the end of `month_to`
    (both first days of a month, from `FIRST_MONTH` to `LAST_MONTH`), optionally of one organisation, tier or
    priority, grouped by `group_by`."""

    month_from: dt.date
    month_to: dt.date
    group_by: str = "organisation"
    organisation: int | None = None
    tier: int | None = None
    priority: int | None = None

    def __post_init__(self) -> None:
        if not FIRST_MONTH <= self.month_from <= self.month_to <= LAST_MONTH:
            raise ValueError(f"months from {FIRST_MONTH} to {LAST_MONTH}, in order")


@dataclass(frozen=True)
class MetricFigures:
    """One metric of one group: clocks met and missed, and the median and 90th percentile of the counted time
    of its stopped clocks in whole seconds (None without any)."""

    met: int = 0
    missed: int = 0
    median: int | None = None
    p90: int | None = None

    @property
    def compliance(self) -> Decimal | None:
        """Met as a percentage of met and missed, to two decimals; None when none is decided yet."""
        decided = self.met + self.missed
        if not decided:
            return None
        return (Decimal(100 * self.met) / decided).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ReportRow:
    key: Any  # organisation id, tier id (None: no contract), priority, or the month's first day
    label: str
    tickets: int
    response: MetricFigures
    resolution: MetricFigures


@dataclass(frozen=True)
class SlaReport:
    filters: ReportFilters
    rows: list[ReportRow]
    organisations: list[tuple[int, str]]  # the filter's choices: those the actor may see
    tiers: list[tuple[int, str]]  # tiers of those organisations' contracts

    @property
    def dimension(self) -> str:
        return GROUPINGS[self.filters.group_by]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def default_months(*, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The last six months, this one included, in the installation's time zone."""
    this_month = month_start(timezone.localdate(now or current_time(), timezone.get_default_timezone()))
    return add_months(this_month, -5), this_month


def _contract_period(contract: Contract) -> Q:
    """The moments of ticket creation that fall within the contract's days, in its organisation's time zone."""
    zone = zoneinfo.ZoneInfo(contract.organisation.time_zone)
    period = Q(organisation_id=contract.organisation_id)
    period &= Q(ticket__created_at__gte=dt.datetime.combine(contract.starts_on, dt.time(), tzinfo=zone))
    if contract.ends_on is not None and contract.ends_on < dt.date.max:
        last_day_end = dt.datetime.combine(contract.ends_on + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        period &= Q(ticket__created_at__lt=last_day_end)
    return period


def _tier_in_force(contracts: list[Contract]) -> Case:
    """The tier of the contract in force at each clock's ticket creation; the contracts come latest-starting
    first, so where several overlap the first matching one wins, as in `contract_in_force`."""
    whens = [When(_contract_period(contract), then=Value(contract.tier_id)) for contract in contracts]
    return Case(*whens, default=None, output_field=IntegerField())


def _clocks(actor: User, filters: ReportFilters, contracts: list[Contract]) -> QuerySet[SlaClock]:
    """The reported clocks the actor may see, filtered, with the tier (`tier_id`) available as an alias."""
    if not can_use_desk(actor):
        return SlaClock.objects.none()
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(filters.month_from, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(add_months(filters.month_to, 1), dt.time(), tzinfo=zone)
    clocks = (
        restrict(SlaClock.objects.all(), actor)
        .filter(metric__in=REPORTED, ticket__created_at__gte=start, ticket__created_at__lt=end)
        .alias(tier_id=_tier_in_force(contracts))
    )
    if filters.organisation is not None:
        clocks = clocks.filter(organisation_id=filters.organisation)
    if filters.priority is not None:
        clocks = clocks.filter(ticket__priority=filters.priority)
    if filters.tier is not None:
        clocks = clocks.filter(tier_id=filters.tier)
    return clocks


def _group_expression(group_by: str):
    return {
        "organisation": F("organisation_id"),
        "tier": F("tier_id"),
        "priority": F("ticket__priority"),
        "month": TruncMonth("ticket__created_at", tzinfo=timezone.get_default_timezone()),
    }[group_by]


def _key(value: Any) -> Any:
    """The group value as Python sees it on every database: a month as its first day."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, timezone.get_default_timezone()).date()
    return value


def _counts(clocks: QuerySet[SlaClock], group_by: str, now: dt.datetime) -> list[Mapping[str, Any]]:
    """One row per group: tickets, met and missed per metric — one grouped query with conditional counts."""
    met = Q(stopped_at__isnull=False, breached_at__isnull=True)
    missed = Q(breached_at__isnull=False) | Q(stopped_at__isnull=True, due_at__lt=now)
    counts = {}
    for prefix, metric in (("response", SlaMetric.FIRST_RESPONSE), ("resolution", SlaMetric.RESOLUTION)):
        counts[f"{prefix}_met"] = Count("pk", filter=Q(metric=metric) & met)
        counts[f"{prefix}_missed"] = Count("pk", filter=Q(metric=metric) & missed)
    return list(
        clocks.annotate(group=_group_expression(group_by))
        .values("group")
        .annotate(tickets=Count("ticket_id", distinct=True), **counts)
        .order_by()
    )


def _percentile_positions(name: str) -> Q:
    """Rows at the two ranks (0-based `floor(h)` and `floor(h) + 1`, h = (n − 1) · p) a percentile needs."""
    return Q(**{"position__gte": F(f"lower_{name}"), "position__lte": F(f"lower_{name}") + 1})


def _percentiles(clocks: QuerySet[SlaClock], group_by: str) -> dict[tuple[Any, str], MetricFigures]:
    """Median and 90th percentile of the counted time of stopped clocks per group and metric.

    One query on SQLite and PostgreSQL alike: window functions number each partition's clocks by counted time
    and count them, and only the (at most four) rows each percentile interpolates between are fetched, so
    neither memory nor transfer grows with the data.
    """
    partition = [_group_expression(group_by), F("metric")]
    ranked = (
        clocks.filter(stopped_at__isnull=False)
        .annotate(
            group=_group_expression(group_by),
            size=Window(Count("pk"), partition_by=partition),
            position=Window(RowNumber(), partition_by=partition, order_by=[F("elapsed_seconds").asc(), F("pk")]) - 1,
        )
        .annotate(
            **{
                # Integer division on both databases: floor((n − 1) · p) for n ≥ 1.
                f"lower_{name}": (F("size") - 1) * p.numerator / p.denominator
                for name, p in PERCENTILES.items()
            }
        )
        .filter(_percentile_positions("median") | _percentile_positions("p90"))
        .values_list("group", "metric", "size", "position", "elapsed_seconds")
    )
    samples: dict[tuple[Any, str], tuple[int, dict[int, int]]] = {}
    for group, metric, size, position, elapsed in ranked:
        samples.setdefault((_key(group), metric), (size, {}))[1][position] = elapsed
    return {
        partition_key: MetricFigures(
            median=_interpolate(size, values, PERCENTILES["median"]), p90=_interpolate(size, values, PERCENTILES["p90"])
        )
        for partition_key, (size, values) in samples.items()
    }


def _interpolate(size: int, values: dict[int, int], p: Fraction) -> int:
    """`percentile_cont(p)` from the values at the ranks around (n − 1) · p, rounded half up to whole seconds."""
    h = (size - 1) * p
    lower = h.numerator // h.denominator
    value = Fraction(values[lower])
    if h != lower:
        value += (h - lower) * (values[lower + 1] - values[lower])
    return int((value + Fraction(1, 2)) // 1)


def _label(group_by: str, key: Any, organisations: dict[int, str], tiers: dict[int, str]) -> str:
    if group_by == "organisation":
        return organisations.get(key, str(key))
    if group_by == "tier":
        return NO_TIER if key is None else tiers.get(key, str(key))
    if group_by == "priority":
        return Priority(key).label
    return date_format(key, "M Y")


def _sort_key(group_by: str, row: ReportRow, tier_order: dict[int, int]) -> tuple:
    if group_by == "organisation":
        return (row.label.casefold(), row.key)
    if group_by == "tier":
        return (row.key is None, tier_order.get(row.key, 0))
    return (row.key,)


def sla_compliance_report(*, actor: User, filters: ReportFilters, now: dt.datetime | None = None) -> SlaReport:
    """The report for what the actor may see (nothing for anyone who may not use the desk), with the choices
    for its filters. Four queries whatever the data size: organisations, contracts (with their tiers), counts,
    percentiles."""
    now = now or current_time()
    allowed = can_use_desk(actor)
    organisations = list(served_organisations(actor).order_by("name").values_list("id", "name")) if allowed else []
    contracts = (
        list(
            Contract.objects.filter(organisation__in=served_organisations(actor))
            .select_related("tier", "organisation")
            .order_by("-starts_on", "-id")  # as `contract_in_force`: the latest-starting one wins
        )
        if allowed
        else []
    )
    distinct_tiers = {contract.tier_id: contract.tier for contract in contracts}.values()
    tiers = [(tier.pk, tier.name) for tier in sorted(distinct_tiers, key=lambda tier: (tier.rank, tier.name))]
    clocks = _clocks(actor, filters, contracts)
    counts = _counts(clocks, filters.group_by, now)
    percentiles = _percentiles(clocks, filters.group_by)
    organisation_names, tier_names = dict(organisations), dict(tiers)
    rows = []
    for found in counts:
        key = _key(found["group"])
        figures = {}
        for prefix, metric in (("response", SlaMetric.FIRST_RESPONSE), ("resolution", SlaMetric.RESOLUTION)):
            spread = percentiles.get((key, metric), MetricFigures())
            figures[prefix] = MetricFigures(
                met=found[f"{prefix}_met"], missed=found[f"{prefix}_missed"], median=spread.median, p90=spread.p90
            )
        rows.append(
            ReportRow(
                key=key,
                label=_label(filters.group_by, key, organisation_names, tier_names),
                tickets=found["tickets"],
                **figures,
            )
        )
    tier_order = {tier_id: index for index, (tier_id, _name) in enumerate(tiers)}
    rows.sort(key=lambda row: _sort_key(filters.group_by, row, tier_order))
    return SlaReport(filters=filters, rows=rows, organisations=organisations, tiers=tiers)


@dataclass(frozen=True)
class ReportChoices:
    """What a person may pick in a report's filters: the organisations they serve, the tiers of those
    organisations' contracts (by rank) and the operations teams serving them."""

    organisations: list[tuple[int, str]]
    tiers: list[tuple[int, str]]
    teams: list[tuple[int, str]]


def report_choices(actor: User) -> ReportChoices:
    """The actor's filter choices; nothing for anyone who may not use the desk. Three queries."""
    if not can_use_desk(actor):
        return ReportChoices([], [], [])
    served = served_organisations(actor)
    organisations = list(served.order_by("name").values_list("id", "name"))
    ids = [pk for pk, _name in organisations]
    tiers = list(
        Tier.objects.filter(contracts__organisation_id__in=ids)
        .distinct()
        .order_by("rank", "name")
        .values_list("id", "name")
    )
    teams = list(
        Team.objects.filter(kind=TeamKind.OPERATIONS, organisations__in=ids)
        .distinct()
        .order_by("name")
        .values_list("id", "name")
    )
    return ReportChoices(organisations=organisations, tiers=tiers, teams=teams)


def report_scope(
    *,
    choices: ReportChoices,
    month_from: dt.date,
    month_to: dt.date,
    organisation: int | None = None,
    tier: int | None = None,
    team: int | None = None,
) -> Scope:
    """The figures' scope for a person with these `choices` (see `report_choices`): the organisations they
    serve — or the one asked for, if they serve it, else none — from the first day of `month_from` to the last
    of `month_to`. A tier or team they cannot pick leaves nothing to count rather than being ignored."""
    served = {pk for pk, _name in choices.organisations}
    ids = served if organisation is None else served & {organisation}
    if tier is not None and tier not in {pk for pk, _name in choices.tiers}:
        ids = set()
    if team is not None and team not in {pk for pk, _name in choices.teams}:
        ids = set()
    return Scope(organisation_ids=ids, start=month_from, end=month_period(month_to)[1], tier=tier, team=team)
