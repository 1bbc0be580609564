"""Report pages of the desk: each parses the filters, calls the report's selector, and renders it.

Who may see them: whoever may use the desk (`desk_page`), each for the organisations they may work on.
"""

import csv
import datetime as dt

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from picocore.catalog.choices import Priority
from picocore.desk.views import desk_page
from picocore.reports.charts import compliance_chart
from picocore.reports.forms import ReportFiltersForm, SlaReportFiltersForm
from picocore.reports.presenters import REPORTS, Report, Row
from picocore.reports.selectors import (
    GROUPINGS,
    ReportFilters,
    SlaReport,
    report_choices,
    report_scope,
    sla_compliance_report,
)
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
        "reports": list(REPORTS.values()),
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


# The reports beside the SLA one: one view each for the page and its CSV, all made by `report_views`.


def _month_words(month_from: dt.date, month_to: dt.date) -> str:
    first, last = date_format(month_from, "M Y"), date_format(month_to, "M Y")
    return first if first == last else _("%(first)s – %(last)s") % {"first": first, "last": last}


def _figures(request: AuthenticatedRequest, report: Report):
    """The report's form, filters and what the page shows, for what the signed-in person may see."""
    form = ReportFiltersForm(request.GET, groups=report.groups)
    month_from, month_to, group = form.period()
    choices = report_choices(request.user)
    data = form.cleaned_data
    scope = report_scope(
        choices=choices,
        month_from=month_from,
        month_to=month_to,
        organisation=data.get("organisation"),
        tier=data.get("tier"),
        team=data.get("team"),
    )
    shown = report.show(scope, group, _month_words(month_from, month_to))
    return form, choices, scope, group, shown, (month_from, month_to)


def report_page_view(report: Report):
    @require_GET
    @desk_page
    def page(request: AuthenticatedRequest) -> HttpResponse:
        form, choices, _scope, group, shown, (month_from, month_to) = _figures(request, report)
        context = {
            "nav": "reports",
            "report": report,
            "reports": list(REPORTS.values()),
            "choices": choices,
            "filters": form.cleaned_data,
            "group": group,
            "shown": shown,
            "month_from": f"{month_from:%Y-%m}",
            "month_to": f"{month_to:%Y-%m}",
            "query": request.GET.urlencode(),
            "form_errors": form.error_lines(),
            "notices": form.notices,
        }
        return render(request, "reports/report.html", context, status=400 if form.errors else 200)

    page.__name__ = page.__qualname__ = f"{report.slug}_report"
    page.__doc__ = f"The {report.slug} report page; the filters that could not be read named above it (400)."
    return page


def report_csv_view(report: Report):
    @require_GET
    @desk_page
    def download(request: AuthenticatedRequest) -> HttpResponse:
        form, _choices, _scope, group, shown, (month_from, month_to) = _figures(request, report)
        if form.errors:
            lines = ["The report could not be made: these filters could not be read.", *form.error_lines()]
            return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")
        name = f"{report.slug.replace('_', '-')}-{month_from:%Y-%m}-to-{month_to:%Y-%m}-by-{group}.csv"
        response = HttpResponse(
            content_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )
        table = shown.table
        writer = csv.writer(response)
        writer.writerow([table.csv_dimension, *(column.csv for column in table.columns)])
        for row in [*table.rows, *([table.total] if table.total is not None and table.rows else [])]:
            label = "all" if row is table.total else _csv_key(group, row)
            writer.writerow([_cell(label), *(_cell(value) for value in row.cells)])
        return response

    download.__name__ = download.__qualname__ = f"{report.slug}_report_csv"
    download.__doc__ = f"The {report.slug} report as CSV; unreadable filters are a 400 in plain text naming them."
    return download


def _csv_key(group: str, row: Row) -> object:
    """The group in the CSV: a month as YYYY-MM, a priority as its number, a channel as its code, else the
    name."""
    if group == "month" and isinstance(row.key, dt.date):
        return f"{row.key:%Y-%m}"
    if group in ("priority", "channel") and row.key is not None:
        return row.key
    return row.label


@require_GET
@desk_page
def report_index(request: AuthenticatedRequest) -> HttpResponse:
    """The reports, each with what it shows."""
    return render(request, "reports/index.html", {"nav": "reports", "reports": list(REPORTS.values())})


backlog_report, backlog_report_csv = report_page_view(REPORTS["backlog"]), report_csv_view(REPORTS["backlog"])
volume_report, volume_report_csv = report_page_view(REPORTS["volume"]), report_csv_view(REPORTS["volume"])
response_times_report = report_page_view(REPORTS["response_times"])
response_times_report_csv = report_csv_view(REPORTS["response_times"])
reopens_report, reopens_report_csv = report_page_view(REPORTS["reopens"]), report_csv_view(REPORTS["reopens"])
hours_report, hours_report_csv = report_page_view(REPORTS["hours"]), report_csv_view(REPORTS["hours"])
deflection_report = report_page_view(REPORTS["deflection"])
deflection_report_csv = report_csv_view(REPORTS["deflection"])
satisfaction_report = report_page_view(REPORTS["satisfaction"])
satisfaction_report_csv = report_csv_view(REPORTS["satisfaction"])
