"""The change calendar: the desk's (every customer the person serves, filtered) and the portal's (own
organisation), a month at a time, with a constant number of queries for a year of changes."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.changes import calendar
from picocore.changes.choices import ChangeStatus
from tests.changes.approval_support import START, make_change, service_manager
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def manager(db):
    return service_manager()


def _queries(client, url, params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return len(queries), response.content.decode()


def test_agenda_groups_by_local_day_and_takes_changes_touching_the_month(acme, manager):
    late = make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED,
                       start=dt.datetime(2027, 2, 28, 23, 30, tzinfo=dt.UTC), title="Over midnight")  # fmt: skip
    inside = make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED, start=START)
    make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED,
                start=dt.datetime(2027, 4, 1, 8, tzinfo=dt.UTC), title="April")  # fmt: skip
    agenda = calendar.desk_calendar(actor=signed_in(manager), period=calendar.month_period(2027, 3, ZONE))
    assert [c.pk for c in agenda.changes] == [late.pk, inside.pk]
    # 23:30 UTC on 28 February is 00:30 on 1 March in Copenhagen.
    assert [(d.date, [c.pk for c in d.changes]) for d in agenda.days] == [
        (dt.date(2027, 3, 1), [late.pk]),
        (dt.date(2027, 3, 2), [inside.pk]),
    ]


def test_desk_filters_and_scope(client, acme, nord, consultant, manager):
    theirs = make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED, implementer=consultant,
                         title="Carla's upgrade")  # fmt: skip
    make_change(acme.organisation, by=manager, status=ChangeStatus.AWAITING_APPROVAL, title="Awaiting one")
    make_change(nord.organisation, by=manager, status=ChangeStatus.SCHEDULED, title="Nord's reindex")
    url = reverse("desk:changes_calendar")
    client.force_login(manager)
    _, page = _queries(client, url, {"month": "2027-03"})
    assert all(t in page for t in ("Carla&#x27;s upgrade", "Awaiting one", "Nord&#x27;s reindex"))
    _, page = _queries(client, url, {"month": "2027-03", "organisation": str(nord.organisation.pk)})
    assert "Nord&#x27;s reindex" in page and "Awaiting one" not in page
    _, page = _queries(client, url, {"month": "2027-03", "implementer": str(consultant.pk)})
    assert "Carla&#x27;s upgrade" in page and "Nord&#x27;s reindex" not in page
    _, page = _queries(client, url, {"month": "2027-03", "status": "awaiting_approval"})
    assert "Awaiting one" in page and "Carla&#x27;s upgrade" not in page
    assert theirs.pk
    nord.organisation.teams.clear()
    client.force_login(consultant)
    _, page = _queries(client, url, {"month": "2027-03"})
    assert "Nord&#x27;s reindex" not in page and "Carla&#x27;s upgrade" in page
    _, page = _queries(client, url, {"month": "2027-03", "organisation": str(nord.organisation.pk)})
    assert "Nord&#x27;s reindex" not in page and "No change is planned in this month." in page


def test_desk_bad_filters_named(client, manager):
    client.force_login(manager)
    response = client.get(reverse("desk:changes_calendar"), {"organisation": "x\x00", "status": "nope", "month": "13"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose a customer from the list." in text and "Choose a status from the list." in text
    assert "Give the month as year and month, e.g. 2027-03." in text


def test_desk_calendar_not_for_customers(client, acme):
    client.force_login(acme.admin)
    assert client.get(reverse("desk:changes_calendar")).status_code == 404


def test_query_counts_constant_for_a_year_of_changes(client, acme, nord, manager):
    url = reverse("desk:changes_calendar")
    make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED, implementer=manager)
    client.force_login(manager)
    _queries(client, url, {"month": "2027-03"})
    desk_few, _ = _queries(client, url, {"month": "2027-03"})
    client.force_login(acme.admin)
    _queries(client, reverse("portal:changes"), {"month": "2027-03"})
    portal_few, _ = _queries(client, reverse("portal:changes"), {"month": "2027-03"})
    first = dt.datetime(2027, 1, 1, 20, tzinfo=dt.UTC)
    for day in range(0, 365, 3):
        for customer in (acme, nord):
            make_change(customer.organisation, by=manager, status=ChangeStatus.SCHEDULED, implementer=manager,
                        start=first + dt.timedelta(days=day))  # fmt: skip
    client.force_login(manager)
    desk_many, page = _queries(client, url, {"month": "2027-03"})
    assert desk_many == desk_few
    assert page.count('class="agenda-item') == 2 * len(range(60, 90, 3)) + 1  # 1 March is day 59
    client.force_login(acme.admin)
    portal_many, _ = _queries(client, reverse("portal:changes"), {"month": "2027-03"})
    assert portal_many == portal_few
    year = calendar.desk_calendar(actor=signed_in(manager), period=calendar.year_period(dt.date(2027, 1, 1), ZONE))
    assert len(year.changes) == 2 * 122 + 1
