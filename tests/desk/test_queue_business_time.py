"""The queue's SLA column counts business time where the clock does: the time left on a business-hours clock
is the business time left on the calendar of the organisation's contract (as the ticket page says it), across
evenings, weekends and public holidays; an around-the-clock clock counts wall-clock time. The calendars are
read once per page, whatever the number of tickets and organisations on it."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.catalog.choices import Impact, TicketType, Urgency
from picocore.contracts.models import ClockKind, SlaMetric
from picocore.core.clock import now
from picocore.sla.models import BusinessHoursCalendar, CalendarInterval, SlaClock
from picocore.tenancy.models import Organisation
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_transition
from tests.desk.conftest import DeskWorld, body
from tests.desk.test_query_counts import QUEUE_QUERIES, reference_data_loaded
from tests.sla.conftest import Clock, set_targets

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
# The queue shows moments in the installation's time zone; the test settings' is America/Santiago, four hours
# behind Copenhagen in December.
ROW_KEY = re.compile(r'<td data-label="Key"><a href="/desk/tickets/(?P<key>[A-Z]+-\d+)/">')
SLA_CELL = re.compile(
    r'<td data-label="SLA"><(?:time|span) class="[^"]*sla-state-(?P<state>\w+)"[^>]*>(?P<text>[^<]*)<'
)
# With a calendar on a contract: the page's business-hours clocks (the calendars with their opening hours, closed
# days and extra openings are kept with the contracts, as reference data).
CALENDAR_QUERIES = 1


def cph(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CPH)


def office(name: str, opens: int, closes: int, *, country: str = "") -> BusinessHoursCalendar:
    calendar = BusinessHoursCalendar.objects.create(name=name, time_zone="Europe/Copenhagen", country=country)
    CalendarInterval.objects.bulk_create(
        CalendarInterval(calendar=calendar, weekday=day, starts=dt.time(opens), ends=dt.time(closes))
        for day in range(5)
    )
    return calendar


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(cph(1, 15))  # Tuesday 1 December 2026, 15:00 in Copenhagen
    monkeypatch.setattr("django.utils.timezone.now", fake)
    return fake


@pytest.fixture
def calendars(world: DeskWorld, clock):
    """ACME works 08–16 on weekdays with Danish public holidays; Nord 12–16 on weekdays. P2 answers within
    2 business hours at both; a P3 at ACME within 32 business hours, at Nord within 2 hours around the clock."""
    for customer, calendar, targets in (
        (world.acme, office("ACME office", 8, 16, country="DK"), {"p2_first_response": 120, "p3_first_response": 1920}),
        (world.nord, office("Nord afternoons", 12, 16), {"p2_first_response": 120, "p3_first_response_24x7": 120}),
    ):
        contract = customer.organisation.contracts.get()
        contract.calendar = calendar
        contract.save()
        set_targets(contract.tier, **targets)


def p3(customer, **overrides) -> Ticket:
    return customer.ticket(impact=Impact.MEDIUM, urgency=Urgency.MEDIUM, **overrides)


def sla_column(client, slug: str = "all") -> dict[str, tuple[str, str]]:
    """Each row's key → (state, text) of its SLA cell, as the page renders them ("All open": the service
    manager's)."""
    response = client.get(reverse("desk:queue", args=[slug]))
    assert response.status_code == 200
    cells = {}
    for row in body(response).decode().split("<tr>")[2:]:  # after the table's head
        key, cell = ROW_KEY.search(row), SLA_CELL.search(row)
        if key and cell:
            cells[key["key"]] = (cell["state"], cell["text"])
    return cells


def test_business_hours_left_overnight_on_two_calendars_and_around_the_clock(client, world, calendars, clock):
    acme = world.acme.ticket(title="Overnight")  # P2, due Wed 2 Dec 09:00: 1 h today, 1 h tomorrow
    clock.set(cph(1, 14, 30))
    nord = world.nord.ticket(title="Nord afternoon")  # P2, due Wed 2 Dec 12:30: 1 h 30 min today, 30 min tomorrow
    clock.set(cph(1, 15))
    nord_24x7 = p3(world.nord, title="Nord around the clock")  # P3 24/7: due 17:00 today
    long = p3(world.acme, title="Four days")  # P3: 32 business hours, due Mon 7 Dec 15:00
    assert [t.sla_due_at for t in Ticket.objects.filter(pk__in=[acme.pk, nord.pk, nord_24x7.pk, long.pk])
            .order_by("pk")] == [cph(2, 9), cph(2, 12, 30), cph(1, 17), cph(7, 15)]  # fmt: skip
    clock.set(cph(1, 15, 20))
    client.force_login(world.manager)
    cells = sla_column(client)
    # 2 business hours are "soon" by the tiers' default of 8: these show as warnings.
    assert cells[acme.key] == ("warning", "Soon: due in 1 h 40 min")  # wall clock: 17 h 40 min
    assert cells[nord.key] == ("warning", "Soon: due in 1 h 10 min")  # wall clock: 21 h 10 min
    assert cells[nord_24x7.key] == ("warning", "Soon: due in 1 h 40 min")  # around the clock: wall clock
    # More than a day of business time left: the moment it is due, in the installation's time zone.
    assert cells[long.key] == ("running", "due Mon 7 Dec, 11:00")


def test_a_weekend_is_not_counted(client, world, calendars, clock):
    clock.set(cph(4, 15))  # Friday
    ticket = world.acme.ticket()  # due Monday 7 Dec 09:00
    clock.set(cph(4, 15, 30))
    client.force_login(world.manager)
    assert sla_column(client)[ticket.key] == ("warning", "Soon: due in 1 h 30 min")  # wall clock: 65 h 30 min


def test_a_public_holiday_is_not_counted(client, world, calendars, clock):
    """Christmas Day (Friday 25 December) is a Danish public holiday, then the weekend."""
    clock.set(cph(24, 15))  # Thursday
    ticket = world.acme.ticket()
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at == cph(28, 9)
    clock.set(cph(24, 15, 15))
    client.force_login(world.manager)
    assert sla_column(client)[ticket.key] == ("warning", "Soon: due in 1 h 45 min")  # wall clock: 89 h 45 min


def test_the_colour_and_the_words_follow_business_time(client, world, calendars, clock):
    """A 32-business-hour target: running for days, soon once 8 business hours are left (Friday 15:00, though
    the deadline is three days away), breached after it, paused while waiting on the customer."""
    long = p3(world.acme, title="Four days")
    waiting = world.acme.ticket(title="Waiting")
    ticket_transition(actor=world.consultant, ticket=waiting, to=Status.IN_PROGRESS)
    ticket_transition(actor=world.consultant, ticket=waiting, to=Status.WAITING_ON_CUSTOMER, note="Which SKU?")
    client.force_login(world.manager)
    seen = {}
    for moment in (cph(4, 14, 59), cph(4, 15, 30), cph(7, 14, 50), cph(7, 15, 35)):
        clock.set(moment)
        cache.clear()
        client.force_login(world.manager)  # a fresh session at each moment: days pass between them
        cells = sla_column(client)
        seen[moment] = cells[long.key]
        assert cells[waiting.key] == ("paused", "Paused")
    assert seen == {
        cph(4, 14, 59): ("running", "due in 8 h 1 min"),
        cph(4, 15, 30): ("warning", "Soon: due in 7 h 30 min"),
        cph(7, 14, 50): ("warning", "Soon: due in 10 min"),
        cph(7, 15, 35): ("breached", "breached 35 min ago"),
    }


def test_the_ticket_page_and_the_queue_say_the_same_time_left(client, world, calendars, clock):
    ticket = world.acme.ticket()
    clock.set(cph(1, 15, 20))
    client.force_login(world.manager)
    page = body(client.get(reverse("desk:ticket", args=[ticket.key]))).decode()
    assert "1 h 40 min left in business hours" in page
    assert sla_column(client)[ticket.key] == ("warning", "Soon: due in 1 h 40 min")


def add_tickets(organisation: Organisation, count: int, *, team, consultant, world: DeskWorld) -> None:
    """`count` more open tickets of the organisation, each with a running business-hours first-response clock
    whose deadline is its next one, inserted in bulk."""
    organisation = Organisation.objects.get(pk=organisation.pk)
    customer = world.acme if organisation.pk == world.acme.organisation.pk else world.nord
    first = organisation.last_ticket_number + 1
    moment = now()
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                organisation=organisation, number=number, key=f"{organisation.key_prefix}-{number}",
                ticket_type=TicketType.INCIDENT, request_type=customer.incident, title=f"Bulk {number}",
                description="For the query count.", requester=customer.requester, impact=Impact.HIGH,
                urgency=Urgency.MEDIUM, priority=2, priority_reason="P2", status=Status.IN_PROGRESS, team=team,
                assignee=consultant, created_at=moment, updated_at=moment + dt.timedelta(seconds=number),
                sla_due_at=moment + dt.timedelta(hours=1 + number % 40),
            )
            for number in range(first, first + count)
        ],
        batch_size=500,
    )  # fmt: skip
    SlaClock.objects.bulk_create(
        [
            SlaClock(ticket=t, organisation=organisation, metric=SlaMetric.FIRST_RESPONSE, target_seconds=7200,
                     clock=ClockKind.BUSINESS, started_at=moment, due_at=t.sla_due_at)
            for t in tickets
        ],
        batch_size=500,
    )  # fmt: skip
    Organisation.objects.filter(pk=organisation.pk).update(last_ticket_number=first + count - 1)


def test_the_queue_reads_the_calendars_once_for_10_and_1000_tickets_of_two_organisations(client, world, calendars):
    """Carla's team queue holds tickets of ACME and Nord (two calendars): the same queries on 10 tickets of each
    and on 1,000 of ACME's and 500 of Nord's, by time remaining (so the page mixes both)."""

    def measure() -> tuple[int, list]:
        cache.clear()
        reference_data_loaded()  # read once per process, not per page (tests/desk/test_query_counts.py)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("desk:queue", args=["team"]), {"sort": "remaining"})
        assert response.status_code == 200
        return len(captured.captured_queries), response.context["rows"]

    for organisation, count in ((world.acme.organisation, 10), (world.nord.organisation, 10)):
        add_tickets(organisation, count, team=world.operations, consultant=world.consultant, world=world)
    client.force_login(world.consultant)
    small, small_rows = measure()
    for organisation, count in ((world.acme.organisation, 990), (world.nord.organisation, 490)):
        add_tickets(organisation, count, team=world.operations, consultant=world.consultant, world=world)
    large, large_rows = measure()
    # The queue's own queries, then the page's clocks.
    assert (small, large) == (QUEUE_QUERIES + CALENDAR_QUERIES, QUEUE_QUERIES + CALENDAR_QUERIES)
    assert len(large_rows) == 50
    for rows in (small_rows, large_rows):
        organisations = {ticket.organisation_id for ticket, _cell in rows}
        assert organisations == {world.acme.organisation.pk, world.nord.organisation.pk}
        # Every row's time left is business time: less than the wall-clock time (each calendar is closed
        # for most of the day).
        assert all(cell.left is not None and cell.left < ticket.sla_due_at - now() for ticket, cell in rows
                   if ticket.sla_due_at is not None and ticket.sla_due_at - now() > dt.timedelta(hours=8))  # fmt: skip
