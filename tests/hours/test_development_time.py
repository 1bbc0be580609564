"""Developers log time on the development items of their team, counted against the item's ticket: the same
ledger as the operations team's time, access through the development and hours permissions."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.core.errors import PermissionDenied
from picocore.development.services import development_hand_off
from picocore.hours import selectors
from picocore.hours.models import TimeEntry
from picocore.hours.services import time_log
from picocore.tenancy.choices import StaffRole, TeamKind
from tests import factories
from tests.desk.conftest import change_request_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def development(acme, consultant, contract):
    developer = factories.StaffFactory(full_name="Ada Developer", staff_role=StaffRole.DEVELOPER)
    team = factories.TeamFactory(
        name="ACME development", kind=TeamKind.DEVELOPMENT, organisations=[acme.organisation], members=[developer]
    )
    change = acme.ticket(title="New PDF layout", request_type=change_request_type(acme))
    item = development_hand_off(actor=consultant, ticket=change, team=team, brief="A new layout.")
    return developer, item


def url(item) -> str:
    return f"/desk/development/{item.pk}/time/"


def form(**overrides) -> dict[str, str]:
    data = {"duration_hours": "2", "duration_minutes": "0", "work_date": "2027-01-11", "started_at": "",
            "billable": "on", "non_billable_reason": "", "description": "Built the template"}  # fmt: skip
    data.update(overrides)
    return data


def test_a_developer_logs_time_on_the_item_against_its_ticket(client, development, contract):
    developer, item = development
    client.force_login(developer)
    page = client.get(f"/desk/development/{item.pk}/").content.decode()
    assert f"Counted against {item.ticket.key}" in page
    done = client.post(url(item), form(), follow=True)
    assert f"Time logged against {item.ticket.key}." in done.content.decode()
    assert "Built the template" in done.content.decode()
    entry = TimeEntry.objects.get()
    assert (entry.ticket, entry.development_item, entry.author, entry.contract) == (
        item.ticket, item, developer, contract,
    )  # fmt: skip
    assert (entry.minutes, entry.debited_minutes) == (120, 120)
    figures = selectors.bank_month(contract, dt.date(2027, 1, 1))
    assert (figures.used, figures.remaining) == (120, 480)  # the same bank as the operations team's time


@pytest.mark.parametrize(
    "overrides",
    [{"duration_hours": "", "duration_minutes": ""}, {"duration_hours": "-1"}, {"duration_hours": "0",
     "duration_minutes": "0"}, {"duration_hours": "25"}, {"work_date": "2027-01-12"}, {"description": "x" * 201},
     {"description": "ok\x00"}, {"billable": "", "non_billable_reason": ""}],
)  # fmt: skip
def test_bad_input_is_said_so_and_nothing_is_logged(client, development, overrides):
    developer, item = development
    client.force_login(developer)
    assert client.post(url(item), form(**overrides)).status_code == 400
    assert not TimeEntry.objects.exists()


def test_a_closed_month_is_refused(client, development, manager, contract, clock):
    from picocore.hours.services import ledger_close

    developer, item = development
    clock.advance(days=30)
    ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 31))
    client.force_login(developer)
    response = client.post(url(item), form(work_date="2027-01-29"))
    assert response.status_code == 400
    assert "2027-01 is closed" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_developers_of_other_teams_and_everyone_else_are_refused(client, development, acme, nord, consultant):
    developer, item = development
    other = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    factories.TeamFactory(
        name="Nord development", kind=TeamKind.DEVELOPMENT, organisations=[nord.organisation], members=[other]
    )
    for person in (other, acme.admin, acme.requester, nord.admin, consultant):
        client.force_login(person)
        assert client.post(url(item), form()).status_code == 404
    assert not TimeEntry.objects.exists()
    # The service refuses an item that is not the ticket's, whoever asks.
    unrelated = acme.ticket(title="Another")
    with pytest.raises(PermissionDenied):
        time_log(actor=developer, ticket=unrelated, minutes=30, development_item=item)
    assert not TimeEntry.objects.exists()


def test_the_item_page_runs_the_same_queries_with_more_entries(client, development):
    developer, item = development
    client.force_login(developer)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/desk/development/{item.pk}/").status_code == 200
        return len(captured)

    time_log(actor=developer, ticket=item.ticket, minutes=30, development_item=item)
    small = count()
    for _ in range(20):
        time_log(actor=developer, ticket=item.ticket, minutes=30, development_item=item)
    # session, user, item, the developer's team membership, the entries, their totals, the header's notifications
    assert count() == small == 7
