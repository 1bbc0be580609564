"""The report pages beside the SLA one: exact figures of the history in `conftest.py` as pages, charts and CSV
files; filters and the errors of filters that cannot be read; who may see what; the queries each page runs."""

import csv
import html
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.reports.presenters import REPORTS
from picocore.tenancy.models import Organisation, Team
from tests.reports.conftest import ReportWorld
from tests.reports.test_metrics import grow, logged, rated  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

NOVEMBER = {"from": "2026-11", "to": "2026-11"}
SVG = "{http://www.w3.org/2000/svg}"
SLUGS = list(REPORTS)
PAGES = [reverse(f"reports:{slug}") for slug in SLUGS]
CSVS = [reverse(f"reports:{slug}_csv") for slug in SLUGS]


def get(client, user, name: str, **query):
    client.force_login(user)
    return client.get(reverse(name), query)


def shown(client, user, name: str, **query):
    response = get(client, user, name, **query)
    assert response.status_code == 200, response.content.decode()[:500]
    return response


def csv_text(client, user, slug: str, **query) -> list[str]:
    response = shown(client, user, f"reports:{slug}_csv", **query)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return response.content.decode("utf-8").splitlines()


def table_rows(response) -> list[list[str]]:
    """The report table's body and footer rows as text, the group's name first."""
    text = response.content.decode()
    found = re.search(r'<table class="tickets report-table">(.*?)</table>', text, re.S)
    assert found is not None, "the page has no table"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def filter_errors(response) -> list[str]:
    found = re.search(
        r'<div class="form-errors" role="alert" id="filter-errors">(.*?)</div>', response.content.decode(), re.S
    )
    if found is None:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def chart(response) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", response.content.decode(), re.S)
    assert match is not None, "the page has no chart"
    return ET.fromstring(match.group(0))  # noqa: S314  (our own page)


# The figures, as pages and CSV files


def test_backlog_page_and_csv(client, report_world: ReportWorld):
    response = shown(client, report_world.consultant, "reports:backlog", **NOVEMBER)
    assert table_rows(response) == [["Acme Ltd", "1", "0", "2", "0", "0", "3"]]
    text = html.unescape(response.content.decode())
    assert "Open at the end of 30 Nov 2026 (counted at 1 Dec 2026 03:00 UTC)." in text
    assert "Business days open: the days with opening hours" in text
    assert csv_text(client, report_world.consultant, "backlog", **NOVEMBER) == [
        "organisation,open_0_to_1_business_days,open_2_to_5_business_days,open_6_to_10_business_days,"
        "open_11_to_20_business_days,open_21_or_more_business_days,open",
        "Acme Ltd,1,0,2,0,0,3",
        "all,1,0,2,0,0,3",
    ]
    by_priority = shown(client, report_world.consultant, "reports:backlog", group="priority", **NOVEMBER)
    assert table_rows(by_priority) == [
        ["P1", "0", "0", "1", "0", "0", "1"],
        ["P2", "0", "0", "1", "0", "0", "1"],
        ["P3", "1", "0", "0", "0", "0", "1"],
        ["All", "1", "0", "2", "0", "0", "3"],
    ]
    assert csv_text(client, report_world.consultant, "backlog", group="priority", **NOVEMBER)[1:] == [
        "1,0,0,1,0,0,1", "2,0,0,1,0,0,1", "3,1,0,0,0,0,1", "all,1,0,2,0,0,3",
    ]  # fmt: skip


def test_volume_page_and_csv(client, report_world: ReportWorld):
    query = {"from": "2026-10", "to": "2026-11", "group": "priority"}
    response = shown(client, report_world.consultant, "reports:volume", **query)
    assert table_rows(response) == [
        ["P1", "0", "2", "2"],
        ["P2", "1", "3", "4"],
        ["P3", "0", "1", "1"],
        ["All", "1", "6", "7"],
    ]
    assert csv_text(client, report_world.consultant, "volume", **query) == [
        "priority,2026-10,2026-11,total", "1,0,2,2", "2,1,3,4", "3,0,1,1", "all,1,6,7",
    ]  # fmt: skip
    assert csv_text(client, report_world.consultant, "volume", group="channel", **NOVEMBER) == [
        "channel,2026-11,total", "web,6,6", "all,6,6",
    ]  # fmt: skip


def test_response_times_page_and_csv(client, report_world: ReportWorld):
    response = shown(client, report_world.consultant, "reports:response_times", **NOVEMBER)
    assert table_rows(response) == [
        ["Acme Ltd", "3", "1 h 30 min", "1 h", "2", "6 h", "6 h"],
        ["Nord Ltd", "1", "30 min", "30 min", "1", "1 h", "1 h"],
        ["All", "4", "1 h 15 min", "45 min", "3", "4 h 20 min", "3 h"],
    ]
    assert csv_text(client, report_world.consultant, "response_times", **NOVEMBER) == [
        "organisation,answered,mtta_mean_seconds,mtta_median_seconds,resolved,mttr_mean_seconds,mttr_median_seconds",
        "Acme Ltd,3,5400,3600,2,21600,21600",
        "Nord Ltd,1,1800,1800,1,3600,3600",
        "all,4,4500,2700,3,15600,10800",
    ]
    by_month = csv_text(client, report_world.consultant, "response_times", group="month", **{"from": "2026-10"})
    assert by_month[1:3] == ["2026-10,1,900,900,1,21600,21600", "2026-11,4,4500,2700,3,15600,10800"]


def test_reopens_page_and_csv(client, report_world: ReportWorld):
    response = shown(client, report_world.consultant, "reports:reopens", **NOVEMBER)
    assert table_rows(response) == [
        ["Acme Ltd", "2", "0", "0 %"],
        ["Nord Ltd", "1", "0", "0 %"],
        ["All", "3", "0", "0 %"],
    ]
    assert csv_text(client, report_world.consultant, "reopens", **NOVEMBER) == [
        "organisation,resolved,reopened,reopen_rate_percent", "Acme Ltd,2,0,0.00", "Nord Ltd,1,0,0.00",
        "all,3,0,0.00",
    ]  # fmt: skip


def test_hours_page_and_csv(client, logged: ReportWorld):  # noqa: F811
    response = shown(client, logged.consultant, "reports:hours", **NOVEMBER)
    assert table_rows(response) == [
        ["Acme Ltd", "2", "1 h 50 min", "0 min", "2 h 30 min", "30 min", "1 h", "3 h"],
        ["Nord Ltd", "1", "0 min", "30 min", "0 min", "0 min", "0 min", "0 min"],
        ["All", "3", "1 h 50 min", "30 min", "2 h 30 min", "30 min", "1 h", "3 h"],
    ]
    assert csv_text(client, logged.consultant, "hours", **NOVEMBER) == [
        "organisation,entries,billable_minutes,non_billable_minutes,debited_minutes,charged_minutes,"
        "added_minutes,used_minutes",
        "Acme Ltd,2,110,0,150,30,60,180",
        "Nord Ltd,1,0,30,0,0,0,0",
        "all,3,110,30,150,30,60,180",
    ]
    assert csv_text(client, logged.consultant, "hours", group="consultant", **NOVEMBER) == [
        "consultant,entries,billable_minutes,non_billable_minutes,debited_minutes",
        "Carla Consultant,2,110,0,150",
        "Otto Outsider,1,0,30,0",
        "all,3,110,30,150",
    ]


def test_satisfaction_page_and_csv(client, rated: ReportWorld):  # noqa: F811
    response = shown(client, rated.consultant, "reports:satisfaction", group="team", **NOVEMBER)
    assert table_rows(response) == [
        ["Nord desk", "1", "0", "0 %", "—", "0", "0", "0", "0", "0"],
        ["Operations", "2", "2", "100 %", "3.50", "0", "1", "0", "0", "1"],
        ["All", "3", "2", "67 %", "3.50", "0", "1", "0", "0", "1"],
    ]
    text = html.unescape(response.content.decode())
    assert "Took a day." in text and "Quick and kind." in text
    assert text.index("Took a day.") < text.index("Quick and kind.")  # newest first
    assert csv_text(client, rated.consultant, "satisfaction", group="consultant", **NOVEMBER) == [
        "consultant,offered,ratings,response_rate_percent,score,rated_1,rated_2,rated_3,rated_4,rated_5",
        "Carla Consultant,2,2,100.00,3.50,0,1,0,0,1",
        "Otto Outsider,1,0,0.00,,0,0,0,0,0",
        "all,3,2,66.67,3.50,0,1,0,0,1",
    ]


# Filters


def test_filters_by_customer_tier_and_team(client, report_world: ReportWorld):
    world = report_world
    acme = shown(client, world.manager, "reports:response_times", organisation=world.acme.organisation.pk, **NOVEMBER)
    assert [row[0] for row in table_rows(acme)] == ["Acme Ltd"]
    premium = shown(client, world.manager, "reports:volume", tier=world.premium.pk, **NOVEMBER)
    assert table_rows(premium) == [["Incident NORD", "1", "1"]]
    operations = Team.objects.get(name="Operations")
    team = shown(client, world.manager, "reports:reopens", team=operations.pk, group="team", **NOVEMBER)
    assert table_rows(team) == [["Operations", "2", "0", "0 %"]]
    page = response_text = team.content.decode()
    assert f'<option value="{operations.pk}" selected>Operations</option>' in page
    assert response_text


def test_the_default_period_is_the_last_six_months(client, report_world: ReportWorld):
    response = shown(client, report_world.consultant, "reports:volume")
    page = response.content.decode()
    assert 'name="from" value="2026-07"' in page and 'name="to" value="2026-12"' in page
    assert table_rows(response)[-1] == ["All", "0", "0", "0", "1", "6", "0", "7"]


RANGE_ERRORS = {
    "from after to": ({"from": "2026-12", "to": "2026-10"},
                      ["To month: The period ends before it starts: choose a month from December 2026 on."]),
    "unknown month": ({"from": "2026-13"}, ["From month: Enter a month as YYYY-MM, for example 2026-11."]),
    "not a month": ({"to": "soon"}, ["To month: Enter a month as YYYY-MM, for example 2026-11."]),
    "a whole date": ({"from": "2026-11-01"}, ["From month: Enter a month as YYYY-MM, for example 2026-11."]),
    "NUL": ({"to": "2026-11\x00"}, ["To month: Enter a month as YYYY-MM, for example 2026-11."]),
    "customer beyond bigint": ({"organisation": str(2**63)}, ["Customer: Choose one of the listed options."]),
    "team not a number": ({"team": "x"}, ["Team: Choose one of the listed options."]),
    "tier beyond bigint": ({"tier": "9" * 30}, ["Tier: Choose one of the listed options."]),
    "unknown grouping": ({"group": "colour"},
                         ["Group by: Select a valid choice. colour is not one of the available choices."]),
}  # fmt: skip


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("name", RANGE_ERRORS)
def test_filters_that_cannot_be_read_are_named_never_ignored(client, report_world: ReportWorld, slug, name):
    """The page: the error named above the filters, the figures with that filter's default (400). The CSV: a
    400 naming it, not a file of something else than was asked for."""
    query, errors = RANGE_ERRORS[name]
    response = get(client, report_world.manager, f"reports:{slug}", **query)
    assert (response.status_code, filter_errors(response)) == (400, errors)
    download = client.get(reverse(f"reports:{slug}_csv"), query)
    assert (download.status_code, download["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert download.content.decode().splitlines() == [
        "The report could not be made: these filters could not be read.",
        *errors,
    ]


def test_a_period_beyond_any_ticket_is_moved_inside_with_a_notice(client, report_world: ReportWorld):
    response = shown(client, report_world.manager, "reports:volume", **{"from": "0001-01", "to": "9999-12"})
    assert "Reports cover January 1970 to December 2999; the period was moved inside it." in html.unescape(
        response.content.decode()
    )
    assert table_rows(response)[-1][-1] == "7"


# The charts


@pytest.mark.parametrize("slug", ["backlog", "volume", "response_times", "reopens"])
def test_the_chart_is_accessible_svg_with_the_table_as_alternative(client, report_world: ReportWorld, slug):
    response = shown(client, report_world.consultant, f"reports:{slug}", **NOVEMBER)
    svg = chart(response)
    assert (svg.tag, svg.get("role"), svg.get("width")) == (f"{SVG}svg", "img", "100%")
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text and desc.text.startswith("Nov 2026. ")
    assert all("style" not in element.attrib for element in svg.iter())
    assert "The table below has the same figures." in response.content.decode()


def test_chart_figures(client, report_world: ReportWorld):
    svg = chart(shown(client, report_world.consultant, "reports:response_times", **NOVEMBER))
    assert svg.find(f"{SVG}desc").text == (
        "Nov 2026. Acme Ltd: mtta mean 1 h 30 min, mttr mean 6 h; Nord Ltd: mtta mean 30 min, mttr mean 1 h."
    )
    bars = {rect.find(f"{SVG}title").text: rect.get("width") for rect in svg.iter(f"{SVG}rect")
            if rect.find(f"{SVG}title") is not None}  # fmt: skip
    # The longest bar (Acme's MTTR, 6 h) spans the plot's 160 units.
    assert bars == {
        "Acme Ltd, MTTA mean: 1 h 30 min": "40",
        "Acme Ltd, MTTR mean: 6 h": "160",
        "Nord Ltd, MTTA mean: 30 min": "13.3",
        "Nord Ltd, MTTR mean: 1 h": "26.7",
    }


def test_names_are_escaped(client, report_world: ReportWorld):
    Organisation.objects.filter(pk=report_world.nord.organisation.pk).update(name="Nord <b>& Co</b>")
    response = shown(client, report_world.consultant, "reports:reopens", **NOVEMBER)
    assert "Nord <b>" not in response.content.decode()
    assert "Nord <b>& Co</b>: resolved 1" in chart(response).find(f"{SVG}desc").text
    Organisation.objects.filter(pk=report_world.nord.organisation.pk).update(name="=cmd()")
    lines = list(csv.reader(io.StringIO("\n".join(csv_text(client, report_world.consultant, "reopens", **NOVEMBER)))))
    assert [line[0] for line in lines] == ["organisation", "'=cmd()", "Acme Ltd", "all"]


# Navigation


def test_the_index_lists_every_report(client, report_world: ReportWorld):
    response = shown(client, report_world.consultant, "reports:index")
    page = response.content.decode()
    assert 'href="/desk/reports/" aria-current="page">Reports</a>' in page
    for path in [reverse("reports:sla"), *PAGES]:
        assert f'href="{path}"' in page
    backlog = shown(client, report_world.consultant, "reports:backlog").content.decode()
    assert f'href="{reverse("reports:backlog")}" aria-current="page">Backlog and ageing</a>' in backlog


# Who sees what


def test_a_consultant_of_another_team_sees_none_of_acmes_figures(client, rated: ReportWorld):  # noqa: F811
    world = rated
    for slug in SLUGS:
        response = shown(client, world.outsider, f"reports:{slug}", **NOVEMBER)
        text = html.unescape(response.content.decode())
        assert "Acme" not in text and "ACME" not in text, slug
        download = shown(client, world.outsider, f"reports:{slug}_csv", **NOVEMBER).content.decode()
        assert "Acme" not in download, slug
    assert table_rows(shown(client, world.outsider, "reports:response_times", **NOVEMBER)) == [
        ["Nord Ltd", "1", "30 min", "30 min", "1", "1 h", "1 h"]
    ]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_foreign_customer_tier_or_team_in_the_filter_shows_nothing(client, report_world: ReportWorld, slug):
    world = report_world
    operations = Team.objects.get(name="Operations")
    for query in ({"organisation": world.acme.organisation.pk}, {"tier": world.standard.pk}, {"team": operations.pk}):
        response = shown(client, world.outsider, f"reports:{slug}", **query, **NOVEMBER)
        assert "Acme" not in html.unescape(response.content.decode())
        assert str(REPORTS[slug].empty) in html.unescape(response.content.decode())
        assert len(csv_text(client, world.outsider, slug, **query, **NOVEMBER)) == 1  # the header only


@pytest.mark.parametrize("path", [reverse("reports:index"), *PAGES, *CSVS])
@pytest.mark.parametrize("who", ["requester", "admin", "developer"])
def test_customers_and_developers_get_404(client, rated: ReportWorld, path, who):  # noqa: F811
    user = rated.developer if who == "developer" else getattr(rated.acme, who)
    client.force_login(user)
    response = client.get(path, NOVEMBER)
    assert response.status_code == 404
    assert "Acme Ltd" not in response.content.decode()


@pytest.mark.parametrize("path", [reverse("reports:index"), *PAGES, *CSVS])
def test_anonymous_visitors_are_sent_to_sign_in_and_posts_refused(client, report_world: ReportWorld, path):
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={path}")
    client.force_login(report_world.manager)
    assert client.post(path).status_code == 405


# Queries


def test_the_same_queries_for_a_small_and_a_larger_history(client, rated: ReportWorld):  # noqa: F811
    world = rated
    cases = [
        (user, reverse(f"reports:{slug}" + suffix), group)
        for user in (world.consultant, world.manager)
        for slug, report in REPORTS.items()
        for suffix in ("", "_csv")
        for group in report.groups
    ]

    def measure() -> dict:
        counts = {}
        for user, path, group in cases:
            client.force_login(user)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path, {"group": group, "from": "2026-10"}).status_code == 200
            counts[(user.full_name, path, group)] = len(captured.captured_queries)
        return counts

    grow(world, 3)
    small = measure()
    grow(world, 40)
    large = measure()
    assert small == large
    pages = {path: count for (name, path, group), count in small.items() if name == "Mona Manager" and group in (
        "organisation", "request_type")}  # fmt: skip
    # session, user, organisations, tiers, teams, the figure's own queries, and on pages the header's notices
    jit = 3 if connection.vendor == "postgresql" else 0  # the figure's savepoint without the JIT compiler
    assert pages == {path: count + jit for path, count in {
        "/desk/reports/backlog/": 13, "/desk/reports/backlog.csv": 12,
        "/desk/reports/volume/": 9, "/desk/reports/volume.csv": 8,
        "/desk/reports/response-times/": 13, "/desk/reports/response-times.csv": 12,
        "/desk/reports/reopens/": 10, "/desk/reports/reopens.csv": 9,
        "/desk/reports/hours/": 10, "/desk/reports/hours.csv": 9,
        "/desk/reports/satisfaction/": 12, "/desk/reports/satisfaction.csv": 11,
    }.items()} | {  # the deflection's figure is two queries and needs no savepoint
        "/desk/reports/deflection/": 7, "/desk/reports/deflection.csv": 6,
    }  # fmt: skip
