"""Report pages of the desk: each parses the filters, calls the report's selector, and renders it.

Who may see them: whoever may use the desk (`desk_page`), each for the organisations they may work on.
"""

import csv

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from picocore.catalog.choices import Priority
from picocore.desk.views import desk_page
from picocore.reports.charts import compliance_chart
from picocore.reports.forms import SlaReportFiltersForm
from picocore.reports.selectors import GROUPINGS, ReportFilters, SlaReport, sla_compliance_report
from picocore.tenancy.http import AuthenticatedRequest

# A cell starting with one of these is a formula to a spreadsheet; names are data, so they are quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def report_form(query: QueryDict) -> tuple[SlaReportFiltersForm, ReportFilters]:
    """The report's filter form and what the report counts: unreadable filters fall back to their defaults
    (the form's errors say which), months far outside any ticket are moved inside (its notices say so)."""
    form = SlaReportFiltersForm(query)
    return form, form.report_filters()


def _period(filters: ReportFilters) -> str:
    first, last = date_format(filters.month_from, "M Y"), date_format(filters.month_to, "M Y")
    return f"in {first}" if first == last else f"from {first} to {last}"


@require_GET
@desk_page
def sla_report(request: AuthenticatedRequest) -> HttpResponse:
    """The report page; with the filters that could not be read named above them (400)."""
    form, filters = report_form(request.GET)
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
        "form_errors": form.error_lines(),
        "notices": form.notices,
    }
    return render(request, "reports/sla.html", context, status=400 if form.errors else 200)


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
    """The report as a CSV file; filters that cannot be read are a 400 in plain text naming them, not a file
    of something else than was asked for."""
    form, filters = report_form(request.GET)
    if form.errors:
        lines = ["The report could not be made: these filters could not be read.", *form.error_lines()]
        return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")
    report = sla_compliance_report(actor=request.user, filters=filters)
    name = f"sla-compliance-{filters.month_from:%Y-%m}-to-{filters.month_to:%Y-%m}-by-{filters.group_by}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
    csv.writer(response).writerows(csv_rows(report))
    return response
