"""The reports beside the SLA one, for people: each report's groupings, its figures as one table (shown on
the page and written as CSV from the same cells), its chart, and the note saying how each figure is counted.

A table's cells keep their raw values (seconds, minutes, percentages as decimals, counts); the page formats
them by the column's kind, the CSV writes them as plain numbers.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from picocore.reports import metrics
from picocore.reports.charts import bar_chart, percent_text
from picocore.reports.metrics import BUCKETS, Scope
from picocore.reports.templatetags.reports_format import (
    COUNT,
    MINUTES,
    PERCENT,
    SCORE,
    SECONDS,
    cell_text,
    duration_text,
)
from picocore.satisfaction.models import SCALE


@dataclass(frozen=True)
class Column:
    label: str
    csv: str
    kind: str = COUNT


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Any]
    key: Any = None


@dataclass(frozen=True)
class Table:
    dimension: str  # the rows' heading, e.g. "Customer"
    csv_dimension: str
    columns: list[Column]
    rows: list[Row]
    total: Row | None = None

    @property
    def lines(self) -> list[tuple[Row, list[tuple[Any, Column]]]]:
        """Each row with its cells beside their columns, for the page."""
        return [(row, list(zip(row.cells, self.columns, strict=True))) for row in self.rows]

    @property
    def total_cells(self) -> list[tuple[Any, Column]]:
        return list(zip(self.total.cells, self.columns, strict=True)) if self.total is not None else []


@dataclass(frozen=True)
class Shown:
    """What a report page shows beyond its filters: the table, the chart, the counting note and extras."""

    table: Table
    chart: SafeString | None
    notes: list[str]
    subtitle: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """One report: its URL names, title, groupings (value → label; the first is the default), what it says
    when there is nothing, and how its figures become what the page shows."""

    slug: str
    title: Any
    summary: Any
    groups: dict[str, Any]
    empty: Any
    show: Callable[[Scope, str, str], Shown]  # (scope, grouping, the period in words)

    @property
    def page(self) -> str:
        return f"reports:{self.slug}"

    @property
    def csv(self) -> str:
        return f"reports:{self.slug}_csv"


def hours_text(seconds: float) -> str:
    return duration_text(round(seconds))


def minutes_text(minutes: float) -> str:
    return duration_text(round(minutes * 60))


def count_text(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _chart_description(table: Table, indexes: list[int], period: str) -> str:
    """Every charted figure in words, group by group."""
    parts = []
    for row in table.rows:
        figures = ", ".join(
            f"{table.columns[index].label.lower()} {cell_text(row.cells[index], table.columns[index].kind)}"
            for index in indexes
        )
        parts.append(f"{row.label}: {figures}")
    return f"{period}. " + "; ".join(parts) + "."


GROUP_LABELS = {
    "organisation": gettext_lazy("Customer"),
    "tier": gettext_lazy("Tier"),
    "priority": gettext_lazy("Priority"),
    "team": gettext_lazy("Team"),
    "month": gettext_lazy("Month"),
    "consultant": gettext_lazy("Consultant"),
    "contract": gettext_lazy("Contract"),
    "request_type": gettext_lazy("Request type"),
    "solution": gettext_lazy("Solution"),
    "channel": gettext_lazy("Channel"),
    "item": gettext_lazy("Suggested"),
}


def _table_chart(table: Table, period: str, *, described: list[int], values: Callable[[Row], list[float]],
                 **chart: Any) -> SafeString | None:  # fmt: skip
    """The bar chart of the table's rows, `values(row)` each, described by the figures of columns `described`
    over the period (`bar_chart` takes the rest: ident, title, axis, series, value_text…); None without rows."""
    if not table.rows:
        return None
    return bar_chart(
        description=_chart_description(table, described, period), dimension=table.dimension,
        rows=[(row.label, values(row)) for row in table.rows], **chart,
    )  # fmt: skip


def _groups(*names: str) -> dict[str, Any]:
    return {name: GROUP_LABELS[name] for name in names}


# How each figure is counted, as the report pages (and the monthly service review) say it.

BACKLOG_OPEN_NOTE = gettext_lazy(
    "Open: the tickets created before the end of the period (or before now, while it runs) that were "
    "then new, triaged, in progress or waiting on the customer or a third party — read from each "
    "ticket's history, so a ticket closed since still counts. Resolved tickets wait for the customer's "
    "confirmation and are not backlog."
)
BUSINESS_DAYS_NOTE = gettext_lazy(
    "Business days open: the days with opening hours on the calendar of the contract in force when the "
    "ticket was created — not weekends, public holidays or closed days — that began after the day it "
    "was created, up to the last day counted. Without a calendar every day counts."
)
TIER_TEAM_NOTE = gettext_lazy(
    "Tier: the contract in force when the ticket was created. Team: the ticket's owning team."
)
BACKLOG_NOTES = (BACKLOG_OPEN_NOTE, BUSINESS_DAYS_NOTE, TIER_TEAM_NOTE)
VOLUME_COUNTED_NOTE = gettext_lazy(
    "Every ticket created within the period counts once, in the month it was created (in the "
    "installation's time zone), whatever became of it since: merged duplicates and cancelled requests "
    "too."
)
VOLUME_CURRENT_NOTE = gettext_lazy("Request type, priority, solution and channel are the ticket's current ones.")
VOLUME_NOTES = (VOLUME_COUNTED_NOTE, VOLUME_CURRENT_NOTE, TIER_TEAM_NOTE)
MTTA_NOTE = gettext_lazy(
    "MTTA: from the ticket's creation to the first public reply by a member of staff; the ticket counts "
    "in the period that reply falls in. Internal notes, status changes and the customer's own replies "
    "do not count as an answer."
)
MTTR_NOTE = gettext_lazy(
    "MTTR: from the ticket's creation to its resolution (the change to resolved); the ticket counts in "
    "the period it was resolved in, with its last resolution there, so a reopened stretch is included."
)
BUSINESS_TIME_NOTE = gettext_lazy(
    "Both in business time on the calendar of the contract in force when the ticket was created (its "
    "weekly hours, public holidays and closed days; around the clock without a calendar), without the "
    "SLA clocks' pauses while waiting on the customer."
)
MEAN_MEDIAN_NOTE = gettext_lazy(
    "Mean and median to the second (the median halfway between the two middle values when their number "
    "is even), shown to the minute."
)
RESPONSE_NOTES = (MTTA_NOTE, MTTR_NOTE, BUSINESS_TIME_NOTE, MEAN_MEDIAN_NOTE)
RESOLVED_NOTE = gettext_lazy(
    "Resolved: tickets changed to resolved within the period (a ticket resolved twice counts once; "
    "grouped by month, once in each month)."
)
REOPENED_NOTE = gettext_lazy(
    "Reopened: those of them that later went from resolved back to an open status — the customer "
    "reopened it or replied to it — whenever that happened, so a recent period's rate can still grow "
    "while its reopen windows run. Confirming (closing) a resolution is no reopening."
)
REOPEN_RATE_NOTE = gettext_lazy("Reopen rate: reopened ÷ resolved.")
REOPEN_NOTES = (RESOLVED_NOTE, REOPENED_NOTE, REOPEN_RATE_NOTE)
OFFERED_NOTE = gettext_lazy(
    "Resolutions offered: the changes to resolved within the period; each offers the requester a "
    "rating (a ticket resolved twice offered two)."
)
RATINGS_NOTE = gettext_lazy(
    "Ratings: those given for these resolutions, whenever they were given, with their latest score. "
    "Response rate: ratings ÷ resolutions offered. Score: the mean of the scores from 1 (bad) to 5; a rating "
    "on a tier's 1–3 scale counts as 1, 3 or 5."
)
RATING_TEAM_NOTE = gettext_lazy(
    "Team and consultant: for a rated resolution those kept with the rating (who worked the ticket "
    "then); for one not rated, the ticket's owning team and assignee now. Contract and tier: the "
    "contract in force when the ticket was created."
)
SATISFACTION_NOTES = (OFFERED_NOTE, RATINGS_NOTE, RATING_TEAM_NOTE)


# Backlog and ageing


def bucket_name(bucket: tuple[int, int | None]) -> str:
    first, last = bucket
    if last is None:
        return _("more than %(days)s days") % {"days": first - 1}
    return _("%(first)s–%(last)s days") % {"first": first, "last": last}


def _bucket_csv(bucket: tuple[int, int | None]) -> str:
    first, last = bucket
    return f"open_{first}_or_more_business_days" if last is None else f"open_{first}_to_{last}_business_days"


def show_backlog(scope: Scope, group_by: str, period: str) -> Shown:
    backlog = metrics.backlog(scope, group_by=group_by)
    columns = [Column(bucket_name(bucket), _bucket_csv(bucket)) for bucket in BUCKETS]
    columns.append(Column(_("Open"), "open"))
    table = Table(
        dimension=str(GROUP_LABELS[group_by]),
        csv_dimension=group_by,
        columns=columns,
        rows=[Row(row.label, [*row.buckets, row.total], row.key) for row in backlog.rows],
        total=Row(_("All"), [*backlog.buckets, backlog.total]),
    )
    moment = date_format(backlog.at.astimezone(dt.UTC), "j M Y H:i")
    chart = _table_chart(
        table,
        period,
        described=list(range(len(BUCKETS) + 1)),
        values=lambda row: list(row.cells[: len(BUCKETS)]),
        ident="backlog-chart",
        title=_("Open tickets by business days open"),
        axis=_("Open tickets"),
        series=[column.label for column in columns[: len(BUCKETS)]],
        value_text=count_text,
        stacked=True,
    )
    notes = [str(note) for note in BACKLOG_NOTES]
    subtitle = _("Open at the end of %(day)s (counted at %(moment)s UTC).") % {
        "day": date_format(scope.end, "j M Y"),
        "moment": moment,
    }
    return Shown(table=table, chart=chart, notes=notes, subtitle=subtitle)


# Volume


def show_volume(scope: Scope, group_by: str, period: str) -> Shown:
    volume = metrics.volume(scope, dimension=group_by)
    columns = [Column(date_format(month, "M Y"), f"{month:%Y-%m}") for month in volume.months]
    columns.append(Column(_("Total"), "total"))
    table = Table(
        dimension=str(GROUP_LABELS[group_by]),
        csv_dimension=group_by,
        columns=columns,
        rows=[Row(row.label, [*row.months, row.total], row.key) for row in volume.rows],
        total=Row(_("All"), [*volume.month_totals, volume.total]),
    )
    chart = None
    if table.rows:
        shown_rows = volume.rows[:6]
        series = [row.label for row in shown_rows]
        rest = volume.rows[6:]
        if rest:
            series.append(_("Other"))
        monthly = []
        for index, month in enumerate(volume.months):
            values = [float(row.months[index]) for row in shown_rows]
            if rest:
                values.append(float(sum(row.months[index] for row in rest)))
            monthly.append((date_format(month, "M Y"), values))
        description = "; ".join(
            f"{date_format(month, 'M Y')}: {volume.month_totals[index]}" for index, month in enumerate(volume.months)
        )
        chart = bar_chart(
            ident="volume-chart",
            title=_("Tickets created per month by %(dimension)s") % {"dimension": table.dimension.lower()},
            description=f"{period}. {description}.",
            dimension=str(GROUP_LABELS["month"]),
            axis=_("Tickets created"),
            rows=monthly,
            series=series,
            value_text=count_text,
            stacked=True,
        )
    notes = [str(note) for note in VOLUME_NOTES]
    return Shown(
        table=table, chart=chart, notes=notes, subtitle=_("Tickets created in %(period)s.") % {"period": period}
    )


# MTTA and MTTR


def show_response_times(scope: Scope, group_by: str, period: str) -> Shown:
    figures = metrics.responsiveness(scope, group_by=group_by)
    columns = [
        Column(_("Answered"), "answered"),
        Column(_("MTTA mean"), "mtta_mean_seconds", SECONDS),
        Column(_("MTTA median"), "mtta_median_seconds", SECONDS),
        Column(_("Resolved"), "resolved"),
        Column(_("MTTR mean"), "mttr_mean_seconds", SECONDS),
        Column(_("MTTR median"), "mttr_median_seconds", SECONDS),
    ]

    def cells(acknowledge: metrics.Durations, resolve: metrics.Durations) -> list[Any]:
        return [acknowledge.count, acknowledge.mean, acknowledge.median, resolve.count, resolve.mean, resolve.median]

    table = Table(
        dimension=str(GROUP_LABELS[group_by]),
        csv_dimension=group_by,
        columns=columns,
        rows=[Row(row.label, cells(row.acknowledge, row.resolve), row.key) for row in figures.rows],
        total=Row(_("All"), cells(figures.acknowledge, figures.resolve)),
    )
    chart = _table_chart(
        table,
        period,
        described=[1, 4],
        values=lambda row: [float(row.cells[1] or 0), float(row.cells[4] or 0)],
        ident="response-chart",
        title=_("Mean time to acknowledge and to resolve"),
        axis=_("Business time"),
        series=[_("MTTA mean"), _("MTTR mean")],
        value_text=hours_text,
    )
    notes = [str(note) for note in RESPONSE_NOTES]
    subtitle = _("Answered or resolved in %(period)s.") % {"period": period}
    return Shown(table=table, chart=chart, notes=notes, subtitle=subtitle)


# Reopen rate


def show_reopens(scope: Scope, group_by: str, period: str) -> Shown:
    figures = metrics.reopen_rate(scope, group_by=group_by)
    columns = [
        Column(_("Resolved"), "resolved"),
        Column(_("Reopened"), "reopened"),
        Column(_("Reopen rate"), "reopen_rate_percent", PERCENT),
    ]
    table = Table(
        dimension=str(GROUP_LABELS[group_by]),
        csv_dimension=group_by,
        columns=columns,
        rows=[Row(row.label, [row.resolved, row.reopened, row.rate], row.key) for row in figures.rows],
        total=Row(_("All"), [figures.resolved, figures.reopened, figures.rate]),
    )
    chart = _table_chart(
        table,
        period,
        described=[0, 1, 2],
        values=lambda row: [float(row.cells[2] or 0)],
        ident="reopen-chart",
        title=_("Reopen rate"),
        axis=_("Reopened (%)"),
        series=[_("Reopen rate")],
        value_text=lambda value: percent_text(Decimal(str(value))),
        maximum=100,
    )
    notes = [str(note) for note in REOPEN_NOTES]
    return Shown(table=table, chart=chart, notes=notes, subtitle=_("Resolved in %(period)s.") % {"period": period})


# Hours used


def show_hours(scope: Scope, group_by: str, period: str) -> Shown:
    figures = metrics.hours_used(scope, group_by=group_by)
    columns = [
        Column(_("Entries"), "entries"),
        Column(_("Billable worked"), "billable_minutes", MINUTES),
        Column(_("Not billable"), "non_billable_minutes", MINUTES),
        Column(_("Debited"), "debited_minutes", MINUTES),
    ]
    per_customer = group_by == "organisation"
    if per_customer:
        columns += [
            Column(_("Charged by adjustments"), "charged_minutes", MINUTES),
            Column(_("Added by adjustments"), "added_minutes", MINUTES),
            Column(_("Used from the bank"), "used_minutes", MINUTES),
        ]

    def cells(row: metrics.HoursRow) -> list[Any]:
        values: list[Any] = [row.entries, row.billable_minutes, row.non_billable_minutes, row.debited_minutes]
        if per_customer:
            values += [row.charged_minutes, row.added_minutes, row.used_minutes]
        return values

    table = Table(
        dimension=str(GROUP_LABELS[group_by]),
        csv_dimension=group_by,
        columns=columns,
        rows=[Row(row.label, cells(row), row.key) for row in figures.rows],
        total=Row(_("All"), cells(figures.total)),
    )
    chart = _table_chart(
        table,
        period,
        described=[1, 2, 3],
        values=lambda row: [float(row.cells[1]), float(row.cells[2])],
        ident="hours-chart",
        title=_("Time worked, billable and not"),
        axis=_("Time worked"),
        series=[_("Billable worked"), _("Not billable")],
        value_text=minutes_text,
        stacked=True,
    )
    notes = [
        _(
            "Entries count in their ledger month (the month of the hour bank they were booked in), so a "
            "month's figures are that month's ledger."
        ),
        _(
            "Billable worked and not billable: the minutes logged. Debited: what the billable entries took from "
            "the bank after the contract's rounding and rates (outside business hours, weekends, public "
            "holidays), as the hour bank debited them."
        ),
        _(
            "Per customer also the ledger's adjustments of those months; used from the bank is debited plus "
            "charged by adjustments, the hour bank's own figure. Adjustments belong to no team or consultant: "
            "with a team filter they are left out."
        ),
        _(
            "Tier: of the contract the entry was booked against. Team: the ticket's owning team. Consultant: "
            "who logged the time."
        ),
    ]
    return Shown(table=table, chart=chart, notes=notes, subtitle=_("Time booked in %(period)s.") % {"period": period})


# Satisfaction


def show_satisfaction(scope: Scope, group_by: str, period: str) -> Shown:
    figures = metrics.satisfaction(scope, group_by=group_by)
    columns = [
        Column(_("Resolutions offered"), "offered"),
        Column(_("Ratings"), "ratings"),
        Column(_("Response rate"), "response_rate_percent", PERCENT),
        Column(_("Score"), "score", SCORE),
    ]
    columns += [Column(_("Rated %(score)s") % {"score": score}, f"rated_{score}") for score in range(1, SCALE + 1)]

    def cells(row: metrics.SatisfactionRow) -> list[Any]:
        return [row.offered, row.ratings, row.response_rate, row.score, *row.scores]

    table = Table(
        dimension=str(GROUP_LABELS[group_by]),
        csv_dimension=group_by,
        columns=columns,
        rows=[Row(row.label, cells(row), row.key) for row in figures.rows],
        total=Row(_("All"), cells(figures.total)),
    )
    chart = None
    if any(row.cells[1] for row in table.rows):  # rows without ratings make no chart
        chart = _table_chart(
            table, period, described=[0, 1, 2, 3], values=lambda row: [float(value) for value in row.cells[4:]],
            ident="satisfaction-chart", title=_("Ratings by score"), axis=_("Ratings"),
            series=[column.label for column in columns[4:]], value_text=count_text, stacked=True,
        )  # fmt: skip
    notes = [str(note) for note in SATISFACTION_NOTES]
    return Shown(
        table=table,
        chart=chart,
        notes=notes,
        subtitle=_("Resolutions in %(period)s.") % {"period": period},
        extra={"comments": figures.comments, "comment_count": figures.comment_count},
    )


# Deflection


def show_deflection(scope: Scope, group_by: str, period: str) -> Shown:
    figures = metrics.deflection(scope, group_by=group_by)
    columns = [
        Column(_("Suggested"), "suggested"),
        Column(_("Opened"), "opened"),
        Column(_("Solved"), "solved"),
        Column(_("Sent anyway"), "sent_anyway"),
        Column(_("Deflection rate"), "deflection_rate_percent", PERCENT),
    ]
    cells = lambda row: [row.suggested, row.opened, row.solved, row.sent, row.rate]  # noqa: E731
    table = Table(
        dimension=str(GROUP_LABELS[group_by]),
        csv_dimension=group_by,
        columns=columns,
        rows=[Row(row.label, cells(row), row.key) for row in figures.rows],
        total=Row(_("All"), cells(figures.total)),
    )
    chart = _table_chart(
        table,
        period,
        described=[0, 2, 4],
        values=lambda row: [float(row.cells[4] or 0)],
        ident="deflection-chart",
        title=_("Deflection rate"),
        axis=_("Solved by the suggestion (%)"),
        series=[_("Deflection rate")],
        value_text=lambda value: percent_text(Decimal(str(value))),
        maximum=100,
    )
    notes = [str(note) for note in DEFLECTION_NOTES]
    return Shown(table=table, chart=chart, notes=notes, subtitle=_("Suggested in %(period)s.") % {"period": period})


DEFLECTION_NOTES = (
    gettext_lazy(
        "Suggested: the requests being written (each new-request form shown) to which it was suggested, however "
        "often it was suggested again as the customer typed on. Opened: how many times the customer opened it."
    ),
    gettext_lazy(
        "Solved: how many times the customer said it solved their problem and sent no request from that form; "
        "sent anyway: how many times the request was sent after all. Deflection rate: solved ÷ suggested."
    ),
    gettext_lazy("Tier, team and contract do not narrow these figures: no request exists yet when they are counted."),
)


REPORTS = {
    report.slug: report
    for report in (
        Report(
            "backlog",
            gettext_lazy("Backlog and ageing"),
            gettext_lazy("Tickets open at the end of the period, by business days open."),
            _groups("organisation", "priority", "tier", "team"),
            gettext_lazy("No ticket was open at the end of this period."),
            show_backlog,
        ),
        Report(
            "volume",
            gettext_lazy("Volume"),
            gettext_lazy("Tickets created per month by request type, priority, solution or channel."),
            _groups("request_type", "priority", "solution", "channel"),
            gettext_lazy("No ticket was created in this period."),
            show_volume,
        ),
        Report(
            "response_times",
            gettext_lazy("MTTA and MTTR"),
            gettext_lazy("Mean and median time to the first answer and to resolution, in business time."),
            _groups("organisation", "tier", "priority", "team", "month"),
            gettext_lazy("No ticket was answered or resolved in this period."),
            show_response_times,
        ),
        Report(
            "reopens",
            gettext_lazy("Reopen rate"),
            gettext_lazy("The share of resolved tickets that were reopened."),
            _groups("organisation", "tier", "priority", "team", "month"),
            gettext_lazy("No ticket was resolved in this period."),
            show_reopens,
        ),
        Report(
            "hours",
            gettext_lazy("Hours used"),
            gettext_lazy("Time worked per customer or consultant, billable and not, and what the bank debited."),
            _groups("organisation", "consultant"),
            gettext_lazy("No time was booked in this period."),
            show_hours,
        ),
        Report(
            "satisfaction",
            gettext_lazy("Satisfaction"),
            gettext_lazy("Response rate and score per contract, team and consultant, with the comments."),
            _groups("contract", "organisation", "tier", "team", "consultant"),
            gettext_lazy("No ticket was resolved in this period."),
            show_satisfaction,
        ),
        Report(
            "deflection",
            gettext_lazy("Deflection"),
            gettext_lazy("What the suggestions shown while customers wrote requests solved, per article and customer."),
            _groups("item", "organisation"),
            gettext_lazy("Nothing was suggested in this period."),
            show_deflection,
        ),
    )
}
