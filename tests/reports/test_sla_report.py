"""The SLA compliance report: exact figures for the history in `conftest.py`, per grouping, as a page, a chart
and a CSV file; who may see what; and a constant number of queries whatever the data size."""

import csv
import datetime as dt
import html
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.catalog.choices import Impact, TicketType, Urgency
from picocore.contracts.models import ClockKind, SlaMetric
from picocore.reports.selectors import ReportFilters, sla_compliance_report
from picocore.reports.templatetags.reports_format import duration_text
from picocore.sla.models import SlaClock
from picocore.tenancy.models import Organisation
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from tests.conftest import Customer
from tests.reports.conftest import REPORT_TIME, ReportWorld
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:sla")
CSV = reverse("reports:sla_csv")
SVG = "{http://www.w3.org/2000/svg}"

# (group, tickets, response met, missed, %, median s, p90 s, resolution met, missed, %, median s, p90 s)
ACME = ("Acme Ltd", 5, 2, 2, Decimal("50.00"), 3600, 9360, 1, 3, Decimal("25.00"), 21600, 30240)
NORD = ("Nord Ltd", 2, 2, 0, Decimal("100.00"), 1350, 1710, 2, 0, Decimal("100.00"), 12600, 19800)
BY_TIER = [
    ("Essential", 1, 1, 0, Decimal("100.00"), 900, 900, 1, 0, Decimal("100.00"), 21600, 21600),
    ("Standard", *ACME[1:]),
    ("Premium", 1, 1, 0, Decimal("100.00"), 1800, 1800, 1, 0, Decimal("100.00"), 3600, 3600),
]
BY_PRIORITY = [
    ("P1", 2, 1, 1, Decimal("50.00"), 1800, 1800, 0, 2, Decimal("0.00"), 32400, 32400),
    ("P2", 4, 3, 1, Decimal("75.00"), 2700, 8640, 3, 1, Decimal("75.00"), 10800, 19440),
    ("P3", 1, 0, 0, None, None, None, 0, 0, None, None, None),
]
BY_MONTH = [
    ("Oct 2026", 1, 1, 0, Decimal("100.00"), 900, 900, 1, 0, Decimal("100.00"), 21600, 21600),
    # ACME-5 was created on 1 December in Copenhagen but on 30 November in the installation's time zone.
    ("Nov 2026", 6, 3, 2, Decimal("60.00"), 2700, 8640, 2, 3, Decimal("40.00"), 10800, 28080),
]


def figures(report) -> list[tuple]:
    return [
        (
            row.label,
            row.tickets,
            *(row.response.met, row.response.missed, row.response.compliance, row.response.median, row.response.p90),
            *(
                row.resolution.met,
                row.resolution.missed,
                row.resolution.compliance,
                row.resolution.median,
                row.resolution.p90,
            ),
        )
        for row in report.rows
    ]


def shown(client, user, path: str = PAGE, **query):
    client.force_login(user)
    response = client.get(path, query)
    assert response.status_code == 200
    return response


def csv_lines(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def chart(response) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", response.content.decode(), re.S)
    assert match is not None, "the page has no chart"
    return ET.fromstring(match.group(0))  # noqa: S314  (our own page, not untrusted input)


# The figures, per grouping


def test_default_is_the_last_six_months_per_organisation(client, report_world: ReportWorld):
    response = shown(client, report_world.consultant)
    report = response.context["report"]
    assert (report.filters.month_from, report.filters.month_to) == (dt.date(2026, 7, 1), dt.date(2026, 12, 1))
    assert report.filters.group_by == "organisation"
    assert figures(report) == [ACME, NORD]


@pytest.mark.parametrize(
    ("group", "expected"), [("tier", BY_TIER), ("priority", BY_PRIORITY), ("month", BY_MONTH)], ids=str
)
def test_grouped_by_each_dimension(client, report_world: ReportWorld, group, expected):
    assert figures(shown(client, report_world.consultant, group=group).context["report"]) == expected


def test_tier_is_the_one_in_force_when_the_ticket_was_created(client, report_world: ReportWorld):
    """Nord moved to Premium on 1 November: its October ticket stays under Essential."""
    essential = shown(client, report_world.manager, group="tier", tier=report_world.essential.pk)
    assert figures(essential.context["report"]) == [BY_TIER[0]]
    premium = shown(client, report_world.manager, group="organisation", tier=report_world.premium.pk)
    assert figures(premium.context["report"]) == [("Nord Ltd", *BY_TIER[2][1:])]


def test_tier_is_judged_by_the_organisations_local_date(client, report_world: ReportWorld, clock):
    """Nord's Premium contract starts on 1 November, Copenhagen's date: a ticket created at 00:30 there (23:30
    UTC on 31 October) counts under Premium, as `contract_in_force` chose when the ticket was created."""
    clock.set(dt.datetime(2026, 11, 1, 0, 30, tzinfo=CPH))
    report_world.nord.ticket(title="Nord feed stalled after midnight")
    clock.set(REPORT_TIME)
    premium = shown(client, report_world.manager, group="organisation", tier=report_world.premium.pk)
    assert [(row.label, row.tickets) for row in premium.context["report"].rows] == [("Nord Ltd", 2)]
    essential = shown(client, report_world.manager, group="organisation", tier=report_world.essential.pk)
    assert [(row.label, row.tickets) for row in essential.context["report"].rows] == [("Nord Ltd", 1)]


def test_filters_by_organisation_priority_and_months(client, report_world: ReportWorld):
    world = report_world
    acme_p1 = shown(client, world.manager, organisation=world.acme.organisation.pk, priority=1, group="priority")
    assert figures(acme_p1.context["report"]) == [BY_PRIORITY[0]]
    october = shown(client, world.manager, **{"from": "2026-10", "to": "2026-10", "group": "month"})
    assert figures(october.context["report"]) == [BY_MONTH[0]]
    december = shown(client, world.manager, **{"from": "2026-12", "to": "2026-12"})
    assert figures(december.context["report"]) == []
    assert "No ticket created in this period" in december.content.decode()


def test_unreadable_filters_fall_back_to_the_defaults_and_are_named(client, report_world: ReportWorld):
    client.force_login(report_world.manager)
    query = {"organisation": "x", "tier": "", "priority": "9", "group": "colour", "to": "soon", "from": "1"}
    response = client.get(PAGE, query)
    assert response.status_code == 400
    report = response.context["report"]
    assert report.filters == ReportFilters(month_from=dt.date(2026, 7, 1), month_to=dt.date(2026, 12, 1))
    assert figures(report) == [ACME, NORD]
    assert filter_errors(response) == [
        "Customer: Choose one of the listed options.",
        "Priority: Select a valid choice. 9 is not one of the available choices.",
        "Group by: Select a valid choice. colour is not one of the available choices.",
        "From month: Enter a month as YYYY-MM, for example 2026-11.",
        "To month: Enter a month as YYYY-MM, for example 2026-11.",
    ]


def filter_errors(response) -> list[str]:
    found = re.search(
        r'<div class="form-errors" role="alert" id="filter-errors">(.*?)</div>', response.content.decode(), re.S
    )
    if found is None:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


MALFORMED = {
    "year 0": ({"from": "0000-01"}, ["From month: Enter a month as YYYY-MM, for example 2026-11."]),
    "month 0": ({"to": "0000-00"}, ["To month: Enter a month as YYYY-MM, for example 2026-11."]),
    "year 10000": ({"to": "10000-01"}, ["To month: Enter a month as YYYY-MM, for example 2026-11."]),
    "a whole date": ({"from": "2026-11-01"}, ["From month: Enter a month as YYYY-MM, for example 2026-11."]),
    "NUL": ({"from": "2026-11\x00"}, ["From month: Enter a month as YYYY-MM, for example 2026-11."]),
    "organisation beyond bigint": ({"organisation": str(2**63)}, ["Customer: Choose one of the listed options."]),
    "tier beyond bigint": ({"tier": "9" * 30}, ["Tier: Choose one of the listed options."]),
    "huge priority": ({"priority": "9" * 30},
                      [f"Priority: Select a valid choice. {'9' * 30} is not one of the available choices."]),
    "NUL in the grouping": ({"group": "month\x00"},
                            ["Group by: Select a valid choice. month\x00 is not one of the available choices."]),
}  # fmt: skip


@pytest.mark.parametrize("name", MALFORMED)
def test_a_filter_no_database_could_use_is_named_on_the_page_and_refused_as_csv(client, report_world, name):
    """Months and ids beyond what the database holds, NUL: the page with the defaults and the error (400); the
    CSV a 400 naming it, rather than a file of something else than was asked for."""
    query, errors = MALFORMED[name]
    client.force_login(report_world.manager)
    response = client.get(PAGE, query)
    assert (response.status_code, filter_errors(response)) == (400, errors)
    download = client.get(CSV, query)
    assert (download.status_code, download["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert download.content.decode().splitlines() == [
        "The report could not be made: these filters could not be read.",
        *errors,
    ]


ALL_TIME = {"from": "0001-01", "to": "9999-12"}


@pytest.mark.parametrize("group", ["organisation", "month"])
def test_a_period_beyond_any_ticket_is_moved_inside_the_reported_months(client, report_world, group):
    """From year 1 to 9999 (as someone asking for "everything" might): the report from January 1970 to December
    2999, saying so, in the page and in the CSV — at once, not month by month."""
    client.force_login(report_world.manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE, {**ALL_TIME, "group": group})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.filters.month_from, report.filters.month_to) == (dt.date(1970, 1, 1), dt.date(2999, 12, 1))
    assert figures(report) == ([ACME, NORD] if group == "organisation" else BY_MONTH)
    assert "Reports cover January 1970 to December 2999; the period was moved inside it." in response.content.decode()
    assert filter_errors(response) == []
    assert len(queries) < 20
    download = client.get(CSV, {**ALL_TIME, "group": group})
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="sla-compliance-1970-01-to-2999-12-by-{group}.csv"'
    )
    assert len(csv_lines(download)) == 3


@pytest.mark.parametrize("months", [("2026-11", "2026-10"), ("9999-12", "0001-01")], ids=str)
def test_a_period_that_ends_before_it_starts_is_named_not_swapped(client, report_world, months):
    """The page: the error, and the last six months (400); the CSV: a 400 naming it."""
    query = {"from": months[0], "to": months[1], "group": "month"}
    client.force_login(report_world.manager)
    response = client.get(PAGE, query)
    report = response.context["report"]
    assert (response.status_code, report.filters.month_from, report.filters.month_to) == (
        400, dt.date(2026, 7, 1), dt.date(2026, 12, 1)
    )  # fmt: skip
    month = {"2026-11": "November 2026", "9999-12": "December 9999"}[months[0]]
    error = f"To month: The period ends before it starts: choose a month from {month} on."
    assert filter_errors(response) == [error]
    download = client.get(CSV, query)
    assert (download.status_code, download.content.decode().splitlines()[1:]) == (400, [error])


def test_a_late_stop_and_a_running_clock_past_its_deadline_both_count_as_missed(report_world: ReportWorld):
    """ACME-2's resolution and ACME-4's clocks still run past their deadlines (never recomputed since, so
    `breached_at` is still empty); ACME-5's run within their targets and count as neither."""
    tickets = report_world.tickets
    running = SlaClock.objects.filter(ticket__in=[tickets["ACME-2"], tickets["ACME-4"]], stopped_at__isnull=True)
    assert sorted(running.values_list("metric", "breached_at")) == [
        (SlaMetric.FIRST_RESPONSE, None),
        (SlaMetric.RESOLUTION, None),
        (SlaMetric.RESOLUTION, None),
    ]
    acme = ReportFilters(
        month_from=dt.date(2026, 11, 1), month_to=dt.date(2026, 12, 1), organisation=report_world.acme.organisation.pk
    )

    def missed(now: dt.datetime) -> list[tuple[int, int]]:
        report = sla_compliance_report(actor=report_world.manager, filters=acme, now=now)
        return [(row.response.missed, row.resolution.missed) for row in report.rows]

    # Before ACME-4's first deadline (Monday 14:00 in Copenhagen) only the clocks that stopped late count:
    # ACME-2's reply and ACME-3's resolution.
    assert missed(dt.datetime(2026, 11, 23, 12, 59, tzinfo=dt.UTC)) == [(1, 1)]
    assert missed(dt.datetime(2026, 11, 23, 13, 1, tzinfo=dt.UTC)) == [(2, 1)]
    assert missed(REPORT_TIME) == [(2, 3)]


# The page


def test_the_page_shows_the_figures_for_people(client, report_world: ReportWorld):
    text = html.unescape(shown(client, report_world.consultant).content.decode())
    row = re.search(r"<tr>\s*<th scope=\"row\"[^>]*>Acme Ltd</th>(.*?)</tr>", text, re.S)
    assert row is not None
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells == ["5", "2", "2", "50 %", "1 h", "2 h 36 min", "1", "3", "25 %", "6 h", "8 h 24 min"]
    assert 'href="/desk/reports/" aria-current="page">Reports</a>' in text
    assert 'href="/desk/reports/sla/" aria-current="page">SLA compliance</a>' in text
    assert "/desk/reports/sla.csv" in text
    assert " style=" not in text


def test_counted_time_for_people():
    assert [duration_text(s) for s in (None, 0, 29, 30, 90, 2700, 3600, 8100, 93600)] == [
        "—", "0 min", "< 1 min", "1 min", "2 min", "45 min", "1 h", "2 h 15 min", "26 h",
    ]  # fmt: skip


def test_the_chart_is_valid_accessible_svg(client, report_world: ReportWorld):
    svg = chart(shown(client, report_world.consultant, group="priority"))
    assert svg.tag == f"{SVG}svg"
    assert (svg.get("role"), svg.get("width"), svg.get("viewBox")) == ("img", "100%", "0 0 320 210")
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "SLA compliance by priority"
    assert desc.text == (
        "Share of clocks met within target per priority, tickets created from Jul 2026 to Dec 2026. "
        "P1: first response 50 % met (1 of 2), resolution 0 % met (0 of 2); "
        "P2: first response 75 % met (3 of 4), resolution 75 % met (3 of 4); "
        "P3: first response nothing decided yet, resolution nothing decided yet."
    )
    bars = {
        (rect.get("class"), rect.find(f"{SVG}title").text): rect.get("width")
        for rect in svg.iter(f"{SVG}rect")
        if rect.find(f"{SVG}title") is not None
    }
    assert bars == {
        ("bar-response", "P1: first response 50 % met (1 of 2)"): "80",  # of 160 for 100 %
        ("bar-resolution", "P1: resolution 0 % met (0 of 2)"): "0",
        ("bar-response", "P2: first response 75 % met (3 of 4)"): "120",
        ("bar-resolution", "P2: resolution 75 % met (3 of 4)"): "120",
        ("bar-response", "P3: first response nothing decided yet"): "0",
        ("bar-resolution", "P3: resolution nothing decided yet"): "0",
    }
    texts = [element.text for element in svg.iter(f"{SVG}text")]
    assert {"Priority", "Met within target (%)", "First response", "Resolution", "0", "100"} <= set(texts)
    assert all("style" not in element.attrib for element in svg.iter())


def test_names_in_the_chart_are_escaped(client, report_world: ReportWorld):
    Organisation.objects.filter(pk=report_world.nord.organisation.pk).update(name="Nord <b>& Co</b>")
    svg = chart(shown(client, report_world.consultant))
    assert "Nord <b>& Co</b>: first response 100 % met (2 of 2)" in svg.find(f"{SVG}desc").text


# The CSV file


HEADER = (
    "tickets,first_response_met,first_response_missed,first_response_compliance_percent,"
    "first_response_median_seconds,first_response_p90_seconds,resolution_met,resolution_missed,"
    "resolution_compliance_percent,resolution_median_seconds,resolution_p90_seconds"
)


def test_csv_per_organisation(client, report_world: ReportWorld):
    response = shown(client, report_world.consultant, CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="sla-compliance-2026-07-to-2026-12-by-organisation.csv"'
    )
    assert response.content.decode("utf-8") == (
        f"organisation,{HEADER}\r\n"
        "Acme Ltd,5,2,2,50.00,3600,9360,1,3,25.00,21600,30240\r\n"
        "Nord Ltd,2,2,0,100.00,1350,1710,2,0,100.00,12600,19800\r\n"
    )


@pytest.mark.parametrize(
    ("group", "rows"),
    [
        ("tier", ["Essential,1,1,0,100.00,900,900,1,0,100.00,21600,21600",
                  "Standard,5,2,2,50.00,3600,9360,1,3,25.00,21600,30240",
                  "Premium,1,1,0,100.00,1800,1800,1,0,100.00,3600,3600"]),
        ("priority", ["1,2,1,1,50.00,1800,1800,0,2,0.00,32400,32400",
                      "2,4,3,1,75.00,2700,8640,3,1,75.00,10800,19440",
                      "3,1,0,0,,,,0,0,,,"]),
        ("month", ["2026-10,1,1,0,100.00,900,900,1,0,100.00,21600,21600",
                   "2026-11,6,3,2,60.00,2700,8640,2,3,40.00,10800,28080"]),
    ],
    ids=str,
)  # fmt: skip
def test_csv_per_dimension(client, report_world: ReportWorld, group, rows):
    response = shown(client, report_world.consultant, CSV, group=group)
    assert response.content.decode("utf-8") == "".join(f"{line}\r\n" for line in [f"{group},{HEADER}", *rows])


def test_csv_quotes_names_a_spreadsheet_would_run_as_formulas(client, report_world: ReportWorld):
    Organisation.objects.filter(pk=report_world.nord.organisation.pk).update(name='=HYPERLINK("x")')
    lines = csv_lines(shown(client, report_world.consultant, CSV))
    assert [line[0] for line in lines] == ["organisation", '\'=HYPERLINK("x")', "Acme Ltd"]


# Who sees what


def test_a_consultant_of_another_team_sees_none_of_acmes_figures(client, report_world: ReportWorld):
    world = report_world
    for group, expected in [
        ("organisation", [NORD]),
        ("tier", [BY_TIER[0], BY_TIER[2]]),
        ("priority", [("P2", *NORD[1:])]),
        (
            "month",
            [BY_MONTH[0], ("Nov 2026", 1, 1, 0, Decimal("100.00"), 1800, 1800, 1, 0, Decimal("100.00"), 3600, 3600)],
        ),
    ]:
        response = shown(client, world.outsider, group=group)
        assert figures(response.context["report"]) == expected, group
        text = html.unescape(response.content.decode())
        assert "Acme" not in text and "Standard" not in text, group
    report = shown(client, world.outsider).context["report"]
    assert report.organisations == [(world.nord.organisation.pk, "Nord Ltd")]
    assert report.tiers == [(world.essential.pk, "Essential"), (world.premium.pk, "Premium")]
    assert "Acme" not in shown(client, world.outsider, CSV).content.decode()


def test_a_foreign_organisation_or_tier_in_the_filter_shows_nothing(client, report_world: ReportWorld):
    world = report_world
    for query in ({"organisation": world.acme.organisation.pk}, {"tier": world.standard.pk}):
        response = shown(client, world.outsider, **query)
        assert figures(response.context["report"]) == []
        assert response.context["chart"] is None
        assert "Acme" not in html.unescape(response.content.decode())
        assert shown(client, world.outsider, CSV, **query).content.decode() == f"organisation,{HEADER}\r\n"


def test_the_service_manager_sees_every_organisation(client, report_world: ReportWorld):
    report = shown(client, report_world.manager).context["report"]
    assert figures(report) == [ACME, NORD]
    assert [name for _pk, name in report.tiers] == ["Essential", "Standard", "Premium"]


@pytest.mark.parametrize("path", [PAGE, CSV])
@pytest.mark.parametrize("who", ["requester", "admin", "developer"])
def test_customers_and_developers_get_404(client, report_world: ReportWorld, path, who):
    user = report_world.developer if who == "developer" else getattr(report_world.acme, who)
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 404
    assert "Acme Ltd" not in response.content.decode()


@pytest.mark.parametrize("path", [PAGE, CSV])
def test_anonymous_visitors_are_sent_to_sign_in(client, report_world: ReportWorld, path):
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={path}")


@pytest.mark.parametrize("path", [PAGE, CSV])
def test_only_get(client, report_world: ReportWorld, path):
    client.force_login(report_world.manager)
    assert client.post(path).status_code == 405


def test_the_selector_shows_nothing_to_people_off_the_desk(report_world: ReportWorld):
    filters = ReportFilters(month_from=dt.date(2026, 7, 1), month_to=dt.date(2026, 12, 1))
    for user in (report_world.acme.admin, report_world.developer):
        report = sla_compliance_report(actor=user, filters=filters)
        assert (report.rows, report.organisations, report.tiers) == ([], [], [])


# Queries

# session, user, organisations, tiers, counts, percentiles, and for the page the header's unread notifications
REPORT_QUERIES = 7
CSV_QUERIES = 6


def add_tickets(customer: Customer, count: int) -> None:
    """`count` more November tickets of the customer, inserted in bulk with both clocks, in every state: met,
    stopped late, running past the deadline, running within it."""
    organisation = Organisation.objects.get(pk=customer.organisation.pk)
    first = organisation.last_ticket_number + 1
    start = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
    tickets = Ticket.objects.bulk_create(
        Ticket(
            organisation=organisation,
            number=number,
            key=f"{organisation.key_prefix}-{number}",
            ticket_type=TicketType.INCIDENT,
            request_type=customer.incident,
            title=f"Bulk request {number}",
            description="Generated for the query-count test.",
            requester=customer.requester,
            impact=Impact.MEDIUM,
            urgency=Urgency.MEDIUM,
            priority=1 + number % 3,
            priority_reason="Generated",
            status=Status.IN_PROGRESS,
            created_at=start + dt.timedelta(hours=number),
        )
        for number in range(first, first + count)
    )
    Organisation.objects.filter(pk=organisation.pk).update(last_ticket_number=first + count - 1)
    clocks = []
    for ticket in tickets:
        for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION):
            kind = (ticket.number + len(metric)) % 4
            stopped = ticket.created_at + dt.timedelta(minutes=ticket.number % 300) if kind < 2 else None
            clocks.append(
                SlaClock(
                    ticket=ticket,
                    organisation=organisation,
                    metric=metric,
                    target_seconds=3600,
                    clock=ClockKind.BUSINESS,
                    started_at=ticket.created_at,
                    stopped_at=stopped,
                    breached_at=ticket.created_at + dt.timedelta(hours=1) if kind in (1, 2) else None,
                    due_at=None if stopped else ticket.created_at + dt.timedelta(hours=1 if kind == 2 else 24 * 60),
                    elapsed_seconds=60 * (ticket.number % 300),
                )
            )
    SlaClock.objects.bulk_create(clocks)


def test_the_same_queries_for_10_and_100_tickets(client, report_world: ReportWorld):
    world = report_world
    cases = [
        (user, path, group)
        for user in (world.consultant, world.manager)
        for path in (PAGE, CSV)
        for group in ("organisation", "tier", "priority", "month")
    ]

    def measure() -> dict:
        counts = {}
        for user, path, group in cases:
            client.force_login(user)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path, {"group": group}).status_code == 200
            counts[(user.full_name, path, group)] = len(captured.captured_queries)
        return counts

    add_tickets(world.acme, 2)
    add_tickets(world.nord, 1)
    small = measure()
    small_tickets = sum(row.tickets for row in shown(client, world.manager).context["report"].rows)
    add_tickets(world.acme, 50)
    add_tickets(world.nord, 40)
    large = measure()
    large_tickets = sum(row.tickets for row in shown(client, world.manager).context["report"].rows)
    assert (small_tickets, large_tickets) == (10, 100)
    expected = {case: REPORT_QUERIES if case[1] == PAGE else CSV_QUERIES for case in small}
    assert small == large == expected
