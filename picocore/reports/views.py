"""Report pages of the desk: each parses the filters, calls the report's selector, and renders it.

Who may see them: whoever may use the desk (`desk_page`), each for the organisations they may work on.
"""

import csv
import datetime as dt

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from picocore.catalog.choices import Priority
from picocore.desk.views import desk_page
from picocore.reports.charts import compliance_chart
from picocore.reports.selectors import GROUPINGS, ReportFilters, SlaReport, default_months, sla_compliance_report
from picocore.tenancy.http import AuthenticatedRequest

# A cell starting with one of these is a formula to a spreadsheet; names are data, so they are quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _month(value: str | None) -> dt.date | None:
    """ "2026-11" (as `<input type="month">` sends it) → 1 November 2026; None when it is not a month."""
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None


def report_filters(query: QueryDict) -> ReportFilters:
    """The filters of a report request; what cannot be read falls back to its default (the last six months,
    grouped by organisation, everything the actor may see)."""
    default_from, default_to = default_months()
    month_from = _month(query.get("from")) or default_from
    month_to = _month(query.get("to")) or default_to
    if month_from > month_to:
        month_from, month_to = month_to, month_from
    priority = _int_or_none(query.get("priority"))
    group_by = query.get("group", "")
    return ReportFilters(
        month_from=month_from,
        month_to=month_to,
        group_by=group_by if group_by in GROUPINGS else "organisation",
        organisation=_int_or_none(query.get("organisation")),
        tier=_int_or_none(query.get("tier")),
        priority=priority if priority in Priority.values else None,
    )


def _period(filters: ReportFilters) -> str:
    first, last = date_format(filters.month_from, "M Y"), date_format(filters.month_to, "M Y")
    return f"in {first}" if first == last else f"from {first} to {last}"


@require_GET
@desk_page
def sla_report(request: AuthenticatedRequest) -> HttpResponse:
    filters = report_filters(request.GET)
    report = sla_compliance_report(actor=request.user, filters=filters)
    period = _period(filters)
    context = {
        "nav": "reports",
        "report": report,
        "filters": filters,
        "period": period,
        "chart": compliance_chart(report, period=period) if report.rows else None,
        "groupings": GROUPINGS.items(),
        "priorities": Priority.choices,
        "month_from": f"{filters.month_from:%Y-%m}",
        "month_to": f"{filters.month_to:%Y-%m}",
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/sla.html", context)


CSV_HEADER = [
    "tickets",
    "first_response_met",
    "first_response_missed",
    "first_response_compliance_percent",
    "first_response_median_seconds",
    "first_response_p90_seconds",
    "resolution_met",
    "resolution_missed",
    "resolution_compliance_percent",
    "resolution_median_seconds",
    "resolution_p90_seconds",
]


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_rows(report: SlaReport) -> list[list[object]]:
    """The report as CSV rows: a header, then one row per group. The group is a name (organisation, tier),
    the priority's number or the month as YYYY-MM; figures are plain numbers, empty when there are none."""
    group_by = report.filters.group_by
    rows: list[list[object]] = [[group_by, *CSV_HEADER]]
    for row in report.rows:
        if group_by == "month":
            group: object = f"{row.key:%Y-%m}"
        elif group_by == "priority":
            group = row.key
        else:
            group = row.label
        figures: list[object] = [row.tickets]
        for metric in (row.response, row.resolution):
            figures += [metric.met, metric.missed, metric.compliance, metric.median, metric.p90]
        rows.append([_cell(value) for value in (group, *figures)])
    return rows


@require_GET
@desk_page
def sla_report_csv(request: AuthenticatedRequest) -> HttpResponse:
    filters = report_filters(request.GET)
    report = sla_compliance_report(actor=request.user, filters=filters)
    name = f"sla-compliance-{filters.month_from:%Y-%m}-to-{filters.month_to:%Y-%m}-by-{filters.group_by}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
    csv.writer(response).writerows(csv_rows(report))
    return response
