"""The start/stop timer on the desk's time page: kept on the server (a reload or another device sees it), one
running per person, stopping it logs the time it ran from when it started; plain forms, no JavaScript needed."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.hours.models import RunningTimer, TimeEntry
from picocore.hours.services import time_log, timer_start
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.hours.conftest import BAD_TIMER_INPUT, assert_refused_with_a_message
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def timer_url(ticket) -> str:
    return f"/desk/tickets/{ticket.key}/time/timer/"


def time_url(ticket) -> str:
    return f"/desk/tickets/{ticket.key}/time/"


def test_a_timer_survives_a_reload_and_stopping_it_logs_the_time_it_ran(client, acme, consultant, contract, clock):
    ticket = acme.ticket()
    client.force_login(consultant)
    assert "Start timer" in client.get(time_url(ticket)).content.decode()
    started = client.post(timer_url(ticket), {"action": "start"}, follow=True)
    assert "Timer started." in started.content.decode()
    timer = RunningTimer.objects.get()
    assert (timer.user, timer.ticket, timer.started_at) == (consultant, ticket, clock())
    clock.advance(minutes=37, seconds=10)
    page = client.get(time_url(ticket)).content.decode()
    assert 'id="timer-elapsed">0:38<' in page and "hours/timer.js" in page
    stopped = client.post(timer_url(ticket), {"action": "stop", "billing": "", "description": "Cleared the queue"},
                          follow=True)  # fmt: skip
    assert "Timer stopped: 0.6 h logged." in stopped.content.decode()
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.debited_minutes, entry.started_at, entry.work_date) == (
        38, 45, dt.datetime(2027, 1, 11, 9, 0, tzinfo=CPH), dt.date(2027, 1, 11),
    )  # fmt: skip
    assert (entry.billable, entry.description, entry.author) == (True, "Cleared the queue", consultant)
    assert not RunningTimer.objects.exists()
    assert "Start timer" in client.get(time_url(ticket)).content.decode()


def test_a_timer_stopped_as_not_billable_debits_nothing(client, acme, consultant, contract, clock):
    ticket = acme.ticket()
    client.force_login(consultant)
    client.post(timer_url(ticket), {"action": "start"})
    clock.advance(minutes=20)
    client.post(timer_url(ticket), {"action": "stop", "billing": "goodwill", "description": ""})
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.billable, entry.non_billable_reason, entry.debited_minutes) == (
        20, False, "goodwill", 0,
    )  # fmt: skip


def test_one_timer_per_person(client, acme, consultant, contract, clock):
    first, second = acme.ticket(), acme.ticket(title="Second")
    client.force_login(consultant)
    client.post(timer_url(first), {"action": "start"})
    clock.advance(minutes=5)
    again = client.post(timer_url(first), {"action": "start"}, follow=True)  # starting it again keeps it
    assert RunningTimer.objects.get().started_at == dt.datetime(2027, 1, 11, 9, 0, tzinfo=CPH)
    assert again.status_code == 200
    assert "Your timer is already running here: stop or discard it before starting it again." in again.content.decode()
    elsewhere = client.post(timer_url(second), {"action": "start"}, follow=True).content.decode()
    assert f"Your timer is running on {first.key}: stop it there before starting another." in elsewhere
    assert RunningTimer.objects.get().ticket == first
    assert f"Your timer is running on {first.key}." in client.get(time_url(second)).content.decode()
    # Someone else runs their own.
    colleague = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    consultant.teams.first().members.add(colleague)
    timer_start(actor=colleague, ticket=second)
    assert RunningTimer.objects.count() == 2


def test_discarding_logs_nothing(client, acme, consultant, contract, clock):
    ticket = acme.ticket()
    client.force_login(consultant)
    client.post(timer_url(ticket), {"action": "start"})
    done = client.post(timer_url(ticket), {"action": "discard"}, follow=True).content.decode()
    assert "Timer discarded; no time was logged." in done
    assert not RunningTimer.objects.exists() and not TimeEntry.objects.exists()
    nothing = client.post(timer_url(ticket), {"action": "stop"}, follow=True).content.decode()
    assert f"No timer of yours is running on {ticket.key}." in nothing
    assert not TimeEntry.objects.exists()


def test_a_timer_left_running_for_more_than_a_day_is_not_logged_blindly(client, acme, consultant, contract, clock):
    ticket = acme.ticket()
    client.force_login(consultant)
    client.post(timer_url(ticket), {"action": "start"})
    clock.advance(hours=24, minutes=1)
    client.force_login(consultant)
    refused = client.post(timer_url(ticket), {"action": "stop", "billing": ""}, follow=True).content.decode()
    assert "This timer has run for more than a day" in refused
    assert RunningTimer.objects.exists() and not TimeEntry.objects.exists()


def test_stopping_into_a_closed_month_is_refused_and_the_timer_kept(client, acme, consultant, manager, contract,
                                                                     clock):  # fmt: skip
    from picocore.hours.services import ledger_close

    ticket = acme.ticket()
    clock.set(dt.datetime(2027, 1, 31, 23, 40, tzinfo=CPH))
    timer_start(actor=consultant, ticket=ticket)
    clock.set(dt.datetime(2027, 2, 1, 0, 10, tzinfo=CPH))
    ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 31))
    client.force_login(consultant)
    refused = client.post(timer_url(ticket), {"action": "stop", "billing": ""}, follow=True).content.decode()
    assert "2027-01 is closed: record the time as an adjustment in an open month." in refused
    assert RunningTimer.objects.exists() and not TimeEntry.objects.exists()


@pytest.mark.parametrize("data", BAD_TIMER_INPUT)
def test_bad_timer_input_is_said_so_and_changes_nothing(client, acme, consultant, contract, clock, data):
    ticket = acme.ticket()
    client.force_login(consultant)
    client.post(timer_url(ticket), {"action": "start"})
    clock.advance(minutes=10)
    assert_refused_with_a_message(client, timer_url(ticket), data)


def test_people_who_do_not_work_the_ticket_get_404_and_their_timer_is_their_own(client, acme, nord, consultant,
                                                                                 contract):  # fmt: skip
    ticket = acme.ticket()
    timer_start(actor=consultant, ticket=ticket)
    for person in (factories.StaffFactory(staff_role=StaffRole.CONSULTANT), acme.admin, acme.requester, nord.admin,
                   factories.StaffFactory(staff_role=StaffRole.DEVELOPER)):  # fmt: skip
        client.force_login(person)
        for action in ("start", "stop", "discard"):
            assert client.post(timer_url(ticket), {"action": action}).status_code == 404
    assert RunningTimer.objects.get().user == consultant and not TimeEntry.objects.exists()


def test_the_time_page_runs_the_same_queries_with_a_timer_and_more_entries(client, acme, consultant, contract, clock):
    ticket = acme.ticket()
    client.force_login(consultant)
    timer_start(actor=consultant, ticket=ticket)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(time_url(ticket)).status_code == 200
        return len(captured)

    time_log(actor=consultant, ticket=ticket, minutes=15)
    small = count()
    for _ in range(30):
        time_log(actor=consultant, ticket=ticket, minutes=15)
    assert count() == small == TIME_PAGE_QUERIES


# session, user, ticket, contract in force, the caller's timer, the bank's month (last closed month, debits,
# adjustments; the hour terms are kept with the reference data), the entries with their authors, whether each can
# still be changed (terms, closed months), their totals, the approvals, the header's notifications
TIME_PAGE_QUERIES = 14
