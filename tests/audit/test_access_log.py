"""The customer admins' access log: which member of staff opened which of the organisation's requests, when —
recorded once per person, ticket and hour from the desk's page, the API and file downloads; read in the portal
by the organisation's customer admins only, filtered, in pages, and as CSV."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.audit.models import StaffAccess
from picocore.audit.services import access_log_cutoff, access_log_prune, access_record
from picocore.core.tasks import discover_periodic_jobs
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.api.conftest import Api
from tests.portal.support import upload
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db

LOG = "/portal/access-log/"
CSV = "/portal/access-log/access-log.csv"
MOMENT = dt.datetime(2027, 3, 10, 13, 20, tzinfo=dt.UTC)  # 14:20 in Copenhagen, the organisations' time zone


class Clock:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(MOMENT)
    monkeypatch.setattr("django.utils.timezone.now", fake)
    return fake


@pytest.fixture
def staff_in_grace(db):
    from picocore.security.models import SecuritySettings

    SecuritySettings.objects.update_or_create(
        pk=SecuritySettings.SINGLETON, defaults={"staff_second_factor_from": dt.datetime(2100, 1, 1, tzinfo=dt.UTC)}
    )


def rows() -> list[tuple[str, str, dt.datetime, dt.datetime]]:
    return [
        (access.staff.full_name, access.ticket.key, access.hour, access.at)
        for access in StaffAccess.objects.select_related("staff", "ticket").order_by("at", "id")
    ]


def test_the_desk_page_records_one_row_per_person_ticket_and_hour(client, clock, staff_in_grace, acme, consultant):
    ticket = acme.ticket()
    client.force_login(consultant)
    path = reverse("desk:ticket", args=[ticket.key])
    assert client.get(path).status_code == 200
    clock.moment += dt.timedelta(minutes=30)
    assert client.get(path).status_code == 200  # the same hour: nothing new
    hour = dt.datetime(2027, 3, 10, 13, 0, tzinfo=dt.UTC)
    assert rows() == [("Carla Consultant", "ACME-1", hour, MOMENT)]
    clock.moment += dt.timedelta(minutes=15)  # 14:05: the next hour
    assert client.get(path).status_code == 200
    assert rows()[1:] == [("Carla Consultant", "ACME-1", hour + dt.timedelta(hours=1), clock.moment)]
    assert StaffAccess.objects.get(at=clock.moment).organisation_id == acme.organisation.pk


def test_a_refused_ticket_is_not_recorded(client, clock, staff_in_grace, acme, nord):
    outsider = factories.StaffFactory(full_name="Otto Outsider", staff_role=StaffRole.CONSULTANT)  # serves nobody
    ticket = acme.ticket()
    client.force_login(outsider)
    assert client.get(reverse("desk:ticket", args=[ticket.key])).status_code == 404
    assert rows() == []


def test_files_and_the_api_are_recorded_but_customers_reading_their_own_are_not(
    client, clock, staff_in_grace, acme, consultant
):
    ticket = acme.ticket(files=[upload("log.txt", b"failed\n")])
    attachment = ticket.attachments.get()
    client.force_login(consultant)
    assert client.get(reverse("desk:attachment", args=[ticket.key, attachment.pk])).status_code == 200
    assert rows() == [("Carla Consultant", "ACME-1", clock.moment.replace(minute=0), clock.moment)]

    clock.moment += dt.timedelta(hours=1)
    api = Api(consultant)
    assert api.get(f"/api/v1/tickets/{ticket.key}/").status_code == 200
    clock.moment += dt.timedelta(hours=1)
    assert api.get(f"/api/v1/tickets/{ticket.key}/timeline/").status_code == 200
    clock.moment += dt.timedelta(hours=1)
    assert api.get(f"/api/v1/tickets/{ticket.key}/attachments/{attachment.pk}/").status_code == 200
    assert [row[2].hour for row in rows()] == [13, 14, 15, 16]

    customer_api = Api(acme.requester)
    client.force_login(acme.requester)
    clock.moment += dt.timedelta(hours=1)
    assert customer_api.get(f"/api/v1/tickets/{ticket.key}/").status_code == 200
    assert customer_api.get(f"/api/v1/tickets/{ticket.key}/timeline/").status_code == 200
    assert client.get(reverse("portal:request", args=[ticket.key])).status_code == 200
    assert client.get(reverse("portal:attachment", args=[ticket.key, attachment.pk])).status_code == 200
    assert len(rows()) == 4


def test_recording_twice_at_once_keeps_one_row(clock, acme, consultant):
    ticket = acme.ticket()
    for _ in range(3):
        access_record(actor=consultant, ticket_id=ticket.pk, organisation_id=acme.organisation.pk)
    access_record(actor=acme.admin, ticket_id=ticket.pk, organisation_id=acme.organisation.pk)  # not staff
    assert rows() == [("Carla Consultant", "ACME-1", clock.moment.replace(minute=0), clock.moment)]


def test_recording_costs_one_statement(clock, acme, consultant):
    ticket = acme.ticket()
    access_record(actor=consultant, ticket_id=ticket.pk, organisation_id=acme.organisation.pk)
    with CaptureQueriesContext(connection) as captured:
        access_record(actor=consultant, ticket_id=ticket.pk, organisation_id=acme.organisation.pk)
    statements = data_statements(captured)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("INSERT"), statements


def _log(customer, consultant, clock, count: int, *, ticket=None) -> None:
    """`count` openings of `ticket` (default: a new one) by the consultant, an hour apart, back from now."""
    ticket = ticket or customer.ticket(title=f"{customer.organisation.key_prefix} printer on fire")
    start = clock.moment
    StaffAccess.objects.bulk_create(
        StaffAccess(organisation=customer.organisation, ticket=ticket, staff=consultant,
                    hour=(start - dt.timedelta(hours=n)).replace(minute=0), at=start - dt.timedelta(hours=n))
        for n in range(count)
    )  # fmt: skip


def _table(response) -> list[list[str]]:
    import re
    from html import unescape

    text = response.content.decode()
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in text else ""

    def text(cell: str) -> str:
        return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", cell))).strip()

    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_a_customer_admin_reads_who_opened_what_and_when(client, clock, acme, nord, consultant):
    _log(acme, consultant, clock, 2)
    _log(nord, consultant, clock, 3)
    client.force_login(acme.admin)
    response = client.get(LOG)
    assert response.status_code == 200
    assert _table(response) == [
        ["Wed 10 Mar, 14:20", "Carla Consultant", "ACME-1 ACME printer on fire"],  # in ACME's time zone
        ["Wed 10 Mar, 13:20", "Carla Consultant", "ACME-1 ACME printer on fire"],
    ]
    assert f'href="{reverse("portal:request", args=["ACME-1"])}"' in response.content.decode()
    assert "NORD" not in response.content.decode()
    assert f'href="{LOG}"' in client.get("/portal/").content.decode()  # in the admin's navigation


def test_requesters_and_staff_get_404_and_no_link(client, clock, acme, consultant):
    _log(acme, consultant, clock, 1)
    client.force_login(acme.requester)
    assert client.get(LOG).status_code == 404
    assert client.get(CSV).status_code == 404
    assert f'href="{LOG}"' not in client.get("/portal/").content.decode()
    client.force_login(consultant)  # staff belong to no organisation: the portal has nothing for them
    assert client.get(LOG).status_code == 403
    client.logout()
    assert client.get(LOG).status_code == 302


def test_another_organisations_admin_sees_nothing_and_gets_404_on_filtered_links(client, clock, acme, nord, consultant):
    _log(acme, consultant, clock, 2)
    client.force_login(nord.admin)
    response = client.get(LOG)
    assert response.status_code == 200
    assert _table(response) == []
    assert "ACME" not in response.content.decode()
    assert "Carla" not in response.content.decode()  # not even in the staff filter's choices
    for query in ({"request": "ACME-1"}, {"request": "acme-1"}, {"staff": consultant.pk}, {"request": "NOPE-1"}):
        assert client.get(LOG, query).status_code == 404, query
        assert client.get(CSV, query).status_code == 404, query
    lines = client.get(CSV).getvalue().decode().splitlines()
    assert lines == ["When,Member of staff,Request,Title"]


def test_an_admin_of_one_organisation_and_requester_of_another_reads_only_the_first(
    client, clock, acme, nord, consultant
):
    _log(acme, consultant, clock, 1)
    _log(nord, consultant, clock, 1)
    factories.MembershipFactory(user=acme.admin, organisation=nord.organisation, role="requester")
    client.force_login(acme.admin)
    assert [row[2] for row in _table(client.get(LOG))] == ["ACME-1 ACME printer on fire"]
    assert client.get(LOG, {"request": "NORD-1"}).status_code == 404  # theirs to see, but not this log's
    client.post(reverse("portal:switch_organisation"), {"organisation": nord.organisation.pk})
    assert client.get(LOG).status_code == 404  # a requester there


def test_filters_by_request_staff_and_days(client, clock, acme, consultant):
    other = factories.StaffFactory(full_name="Mads Manager", staff_role=StaffRole.SERVICE_MANAGER)
    first = acme.ticket(title="First")
    second = acme.ticket(title="Second")
    _log(acme, consultant, clock, 40, ticket=first)  # back to 8 March 23:20 Copenhagen time
    _log(acme, other, clock, 2, ticket=second)
    client.force_login(acme.admin)
    by_ticket = client.get(LOG, {"request": " acme-2 "})
    assert [row[1:] for row in _table(by_ticket)] == [["Mads Manager", "ACME-2 Second"]] * 2
    assert "Openings of ACME-2" in by_ticket.content.decode()
    assert {row[1] for row in _table(client.get(LOG, {"staff": consultant.pk}))} == {"Carla Consultant"}
    on_ninth = _table(client.get(LOG, {"since": "2027-03-09", "until": "2027-03-09", "staff": consultant.pk}))
    # 9 March in Copenhagen (UTC+1): from 23:00 on the 8th to 23:00 on the 9th UTC
    assert len(on_ninth) == 24
    assert on_ninth[0][0] == "Tue 9 Mar, 23:20" and on_ninth[-1][0] == "Tue 9 Mar, 00:20"
    lines = list(csv.reader(io.StringIO(client.get(CSV, {"request": "ACME-2"}).getvalue().decode())))
    assert lines == [
        ["When", "Member of staff", "Request", "Title"],
        ["2027-03-10T14:20:00+01:00", "Mads Manager", "ACME-2", "Second"],
        ["2027-03-10T13:20:00+01:00", "Mads Manager", "ACME-2", "Second"],
    ]


@pytest.mark.parametrize(
    "query",
    [{"since": "2027-13-01"}, {"since": "2027-03-10", "until": "2027-03-01"}, {"request": "ACME\x00-1"},
     {"staff": "many"}, {"since": "0001-01-01"}, {"request": "A" * 33}],
)  # fmt: skip
def test_bad_filters_are_named_and_nothing_is_listed(client, clock, acme, consultant, query):
    _log(acme, consultant, clock, 2)
    client.force_login(acme.admin)
    response = client.get(LOG, query)
    assert response.status_code == 400
    assert _table(response) == []
    assert 'role="alert"' in response.content.decode()
    assert client.get(CSV, query).status_code == 400


def test_pages_by_keyset_with_constant_queries(client, clock, acme, consultant):
    _log(acme, consultant, clock, 3)
    client.force_login(acme.admin)
    client.get(LOG)  # the reference data known, as on every request but the first after a change
    with CaptureQueriesContext(connection) as small:
        assert client.get(LOG).status_code == 200
    StaffAccess.objects.all().delete()
    _log(acme, consultant, clock, 120)
    with CaptureQueriesContext(connection) as large:
        first = client.get(LOG)
    # session, user, the staff filter's choices, the page of rows (with staff and tickets), the header's unread
    # notifications
    assert len(data_statements(small)) == len(data_statements(large)) == 5, data_statements(large)
    seen = [row[0] for row in _table(first)]
    after = first.context["page"].next_cursor
    while after:
        with CaptureQueriesContext(connection) as deeper:
            page = client.get(LOG, {"after": after})
        assert len(data_statements(deeper)) == 5
        seen += [row[0] for row in _table(page)]
        after = page.context["page"].next_cursor
    assert len(seen) == len(set(seen)) == 120
    refused = client.get(LOG, {"after": "not-a-cursor"})
    assert refused.status_code == 400 and len(_table(refused)) == 50


def test_the_csv_holds_every_filtered_row_in_one_query(client, clock, acme, consultant):
    ticket = acme.ticket(title='=HYPERLINK("http://evil")')
    _log(acme, consultant, clock, 120, ticket=ticket)
    client.force_login(acme.admin)
    client.get(CSV)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CSV)
        content = response.getvalue().decode()
    # session, user, the staff filter's choices (to check a staff filter), the rows
    assert len(data_statements(captured)) == 4
    assert response["Content-Disposition"] == f'attachment; filename="access-log-{acme.organisation.slug}.csv"'
    lines = list(csv.reader(io.StringIO(content)))
    assert len(lines) == 121
    assert lines[1] == ["2027-03-10T14:20:00+01:00", "Carla Consultant", "ACME-1", '\'=HYPERLINK("http://evil")']


def test_pruning_forgets_openings_past_two_years(clock, acme, consultant):
    ticket = acme.ticket()
    moment = dt.datetime(2029, 3, 31, 12, 0, tzinfo=dt.UTC)
    assert access_log_cutoff(moment) == dt.datetime(2027, 3, 31, 12, 0, tzinfo=dt.UTC)
    assert access_log_cutoff(dt.datetime(2029, 2, 28, 1, tzinfo=dt.UTC)) == dt.datetime(2027, 2, 28, 1, tzinfo=dt.UTC)
    assert access_log_cutoff(dt.datetime(2028, 2, 29, 1, tzinfo=dt.UTC)) == dt.datetime(2026, 2, 28, 1, tzinfo=dt.UTC)
    for at in (dt.datetime(2027, 3, 31, 11, 59, tzinfo=dt.UTC), dt.datetime(2027, 3, 31, 12, 0, tzinfo=dt.UTC)):
        StaffAccess.objects.create(organisation=acme.organisation, ticket=ticket, staff=consultant,
                                   hour=at.replace(minute=0), at=at)  # fmt: skip
    assert access_log_prune(moment=moment, batch=1) == 1
    assert list(StaffAccess.objects.values_list("at", flat=True)) == [dt.datetime(2027, 3, 31, 12, 0, tzinfo=dt.UTC)]
    assert access_log_prune(moment=moment) == 0
    assert "picocore.audit.tasks.prune_access_log" in discover_periodic_jobs()
