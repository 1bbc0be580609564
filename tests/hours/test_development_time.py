"""Developers log time on the development items of their team, counted against the item's ticket: the same
ledger as the operations team's time, access through the development and hours permissions."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.core.errors import PermissionDenied
from picocore.development.services import development_hand_off
from picocore.hours import selectors
from picocore.hours.models import RunningTimer, TimeEntry
from picocore.hours.services import time_log, timer_start
from picocore.tenancy.choices import StaffRole, TeamKind
from tests import factories
from tests.desk.conftest import change_request_type
from tests.hours.conftest import BAD_TIMER_INPUT, assert_refused_with_a_message
from tests.sla.conftest import CPH

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
    assert count() == small == ITEM_PAGE_QUERIES


# session, user, item, the developer's team membership, the entries with their totals, the caller's timer, the
# header's notifications
ITEM_PAGE_QUERIES = 7


@pytest.fixture
def timing(client, development, contract, clock):
    """The developer signed in, their timer started on the item at 09:00; the item."""
    developer, item = development
    client.force_login(developer)
    client.post(timer_url(item), {"action": "start"})
    return item


def timer_url(item) -> str:
    return f"/desk/development/{item.pk}/time/timer/"


def item_url(item) -> str:
    return f"/desk/development/{item.pk}/"


def test_a_developer_times_the_work_and_stopping_logs_the_rounded_time_on_the_ticket(client, development, contract,
                                                                                       clock):  # fmt: skip
    developer, item = development
    client.force_login(developer)
    assert "Start timer" in client.get(item_url(item)).content.decode()
    started = client.post(timer_url(item), {"action": "start"}, follow=True)
    assert "Timer started. It keeps running if you leave this page." in started.content.decode()
    timer = RunningTimer.objects.get()
    assert (timer.user, timer.ticket, timer.development_item, timer.started_at) == (
        developer, item.ticket, item, clock(),
    )  # fmt: skip
    clock.advance(minutes=37, seconds=10)
    page = client.get(item_url(item)).content.decode()
    assert 'id="timer-elapsed">0:38<' in page and "Stop and log the time" in page
    stopped = client.post(timer_url(item), {"action": "stop", "billing": "", "description": "Built the template"},
                          follow=True)  # fmt: skip
    assert stopped.redirect_chain == [(f"/desk/development/{item.pk}/#timer", 302)]
    assert "Timer stopped: 0.6 h logged." in stopped.content.decode()
    entry = TimeEntry.objects.get()
    assert (entry.ticket, entry.development_item, entry.author, entry.contract) == (
        item.ticket, item, developer, contract,
    )  # fmt: skip
    # 38 minutes worked, rounded up to the contract's 15 minutes when debited.
    assert (entry.minutes, entry.debited_minutes, entry.started_at, entry.work_date) == (
        38, 45, dt.datetime(2027, 1, 11, 9, 0, tzinfo=CPH), dt.date(2027, 1, 11),
    )  # fmt: skip
    assert (entry.billable, entry.description) == (True, "Built the template")
    assert not RunningTimer.objects.exists()
    assert selectors.bank_month(contract, dt.date(2027, 1, 1)).used == 45
    assert "Start timer" in client.get(item_url(item)).content.decode()


def test_discarding_the_timer_logs_nothing(client, timing, contract, clock):
    item = timing
    clock.advance(minutes=12)
    done = client.post(timer_url(item), {"action": "discard"}, follow=True).content.decode()
    assert "Timer discarded; no time was logged." in done
    assert not RunningTimer.objects.exists() and not TimeEntry.objects.exists()
    again = client.post(timer_url(item), {"action": "discard"}, follow=True).content.decode()
    assert f"No timer of yours is running on {item.ticket.key}." in again
    assert not TimeEntry.objects.exists()


def test_a_second_start_while_the_timer_runs_is_refused_and_keeps_the_clock(client, timing, acme, consultant, contract,
                                                                            clock):  # fmt: skip
    item = timing
    clock.advance(minutes=5)
    again = client.post(timer_url(item), {"action": "start"}, follow=True).content.decode()
    assert "Your timer is already running here: stop or discard it before starting it again." in again
    assert 'class="message message-error"' in again
    assert RunningTimer.objects.get().started_at == dt.datetime(2027, 1, 11, 9, 0, tzinfo=CPH)
    # Another item of the developer's team: refused, saying where the timer runs, and that page links to it.
    other = development_hand_off(actor=consultant, ticket=acme.ticket(title="Search facets",
                                 request_type=change_request_type(acme)), team=item.team, brief="Facets.")  # fmt: skip
    elsewhere = client.post(timer_url(other), {"action": "start"}, follow=True).content.decode()
    assert f"Your timer is running on the development item of {item.ticket.key}: stop it there" in elsewhere
    assert "Your timer is running on the development work “New PDF layout”" in elsewhere
    assert f'href="/desk/development/{item.pk}/#timer"' in elsewhere
    timer = RunningTimer.objects.get()
    assert (timer.development_item, timer.started_at) == (item, dt.datetime(2027, 1, 11, 9, 0, tzinfo=CPH))


def test_a_double_stop_logs_once(client, timing, contract, clock):
    item = timing
    clock.advance(minutes=30)
    client.post(timer_url(item), {"action": "stop", "billing": "", "description": "Once"})
    retry = client.post(timer_url(item), {"action": "stop", "billing": "", "description": "Once"}, follow=True)
    assert f"No timer of yours is running on {item.ticket.key}." in retry.content.decode()
    assert TimeEntry.objects.get().minutes == 30


def test_the_timer_of_the_item_is_not_the_timer_of_its_ticket(client, development, manager, contract, clock):
    """The item's timer logs against the item: the ticket's own time page neither stops nor discards it (a service
    manager works on both)."""
    _developer, item = development
    client.force_login(manager)
    client.post(timer_url(item), {"action": "start"})
    ticket_page = client.get(f"/desk/tickets/{item.ticket.key}/time/").content.decode()
    assert "Your timer is running on the development work “New PDF layout”" in ticket_page
    assert "Stop and log the time" not in ticket_page
    for action in ("stop", "discard"):
        client.post(f"/desk/tickets/{item.ticket.key}/time/timer/", {"action": action, "billing": ""})
    assert RunningTimer.objects.get().development_item == item and not TimeEntry.objects.exists()


@pytest.mark.parametrize("data", BAD_TIMER_INPUT)
def test_bad_timer_input_is_said_so_and_changes_nothing(client, timing, contract, clock, data):
    item = timing
    clock.advance(minutes=10)
    assert_refused_with_a_message(client, timer_url(item), data)


def test_people_without_access_to_the_item_get_404_and_the_timer_stays_its_owners(client, development, acme, nord,
                                                                                   consultant, contract):  # fmt: skip
    developer, item = development
    timer_start(actor=developer, ticket=item.ticket, development_item=item)
    other = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    factories.TeamFactory(
        name="Nord development", kind=TeamKind.DEVELOPMENT, organisations=[nord.organisation], members=[other]
    )
    for person in (other, consultant, acme.admin, acme.requester, nord.admin):
        client.force_login(person)
        for action in ("start", "stop", "discard"):
            assert client.post(timer_url(item), {"action": action, "billing": ""}).status_code == 404
    client.logout()
    assert client.post(timer_url(item), {"action": "start"}).status_code == 302  # to the sign-in
    assert RunningTimer.objects.get().user == developer and not TimeEntry.objects.exists()
    client.force_login(developer)
    assert client.post("/desk/development/999999/time/timer/", {"action": "stop"}).status_code == 404
    assert client.get(timer_url(item)).status_code == 405
    assert RunningTimer.objects.count() == 1 and not TimeEntry.objects.exists()


def test_the_item_page_runs_the_same_queries_with_a_timer_running(client, development, clock):
    developer, item = development
    client.force_login(developer)
    timer_start(actor=developer, ticket=item.ticket, development_item=item)
    for _ in range(3):
        time_log(actor=developer, ticket=item.ticket, minutes=30, development_item=item)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(item_url(item)).content.decode()
    assert "Stop and log the time" in page and "3 entries: 1.5 h worked, 1.5 h charged." in page
    assert len(captured) == ITEM_PAGE_QUERIES
