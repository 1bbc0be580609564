"""Each desk page runs a fixed number of queries, whatever the amount of data behind it.

Every test measures a page on a small data set, grows the data a hundredfold, and measures again: the exact
count is asserted for both, so an N+1 or a new query shows up as a changed number.
"""

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.catalog.choices import Impact, TicketType, Urgency
from picocore.contracts.models import SlaMetric, SlaTarget
from picocore.contracts.selectors import every_contract
from picocore.core import reference
from picocore.core.clock import now
from picocore.desk.directory import directory
from picocore.development.services import development_hand_off
from picocore.hours.selectors import every_terms
from picocore.sla.models import BusinessHoursCalendar, CalendarClosedDay, CalendarInterval
from picocore.sla.services import kept_policy
from picocore.tenancy.choices import TeamKind
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets.choices import EventKind, LinkKind, Status
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.queues import QUEUES as ALL_QUEUES
from picocore.tickets.services import ticket_add_note, ticket_link, ticket_reply
from tests import factories
from tests.conftest import Customer
from tests.desk.conftest import DeskWorld, body, upload
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db

# session, user, page of tickets (with their related rows), saved views, queue and view counts (when not
# cached), the header's unread notifications. The organisations' contracts in force (for the time left in
# business time) are kept with the reference data (`picocore.contracts.selectors.every_contract`). Contracts
# with a business-hours calendar add the page's business-hours clocks and the calendars' opening hours, closed
# days and extra openings (tests/desk/test_queue_business_time.py). The
# filter lists, the teams to share a view with and the bulk form's choices come from the desk's directory,
# read once per process while the reference token is unchanged (measured here with the directory loaded; see
# test_a_queue_page_loads_the_directory_once).
QUEUE_QUERIES = 6
# how many tickets in all hold the text filter's exact words, and whether the queue holds one of them
# (`picocore.tickets.textsearch.tickets_matching`)
TEXT_CHECK_QUERIES = 2
# every contract, on a process's first page (kept with the reference data afterwards)
CONTRACT_QUERIES = 1
# organisations, solutions, teams, their members, the organisations they serve, the staff in a team
DIRECTORY_QUERIES = 6
# session, user, ticket (with its related rows), the person's timeline order, timeline, its attachments, other
# open tickets, links, development items, the canned replies, the header's unread notifications, and the balance
# beside the composer's time fields (the contract's last closed month, the debits and the adjustments of its open
# months). The contract in force, its SLA policy for the ticket's priority (targets, calendar with its opening
# hours, closed days and extra openings) and its hour terms are kept with the reference data, as are the assign
# form's teams and consultants and the hand-off form's teams (the desk's directory): read beforehand, see
# `measured`. The landscape panel adds two for a ticket without a component (its confirmed impact, its
# environment's components to choose from); a ticket with one adds five instead (tests/cmdb/test_panel.py). An
# incident's problem panel adds one (the problems linked to it): TICKET_QUERIES is an incident's page. Opening the
# page writes one more: the organisation's access log (`picocore.audit.services.access_record`, one INSERT that
# ignores the row already there for this person, ticket and hour).
PROBLEM_PANEL = 1
ACCESS_LOG = 1
TICKET_QUERIES = 14 + 2 + PROBLEM_PANEL + ACCESS_LOG
# session, user, items (with ticket, team, organisation and who handed over), the header's unread notifications
DEVELOPMENT_LIST_QUERIES = 4
# session, user, item, whether the person may log time on it (their team), the time logged on it and its totals,
# the header's unread notifications
DEVELOPMENT_ITEM_QUERIES = 7
# session, user, attachment, and the opening written to the organisation's access log (one INSERT)
DOWNLOAD_QUERIES = 3 + ACCESS_LOG

STATUSES = list(Status)


def reference_data_loaded() -> None:
    """Load what a process keeps of the reference data the desk's pages read (once per process, not per page):
    the desk's directory, every contract with its calendar, each contract's SLA policy per priority and its
    hour terms."""
    directory()
    every_terms()
    for contracts in every_contract().values():
        for contract in contracts:
            for priority in range(1, 6):
                kept_policy(contract, priority)


def measured(client, path: str, data: dict | None = None):
    """The page at `path` (after checking it rendered) and the SQL it ran, with the reference data the process
    keeps loaded beforehand (`reference_data_loaded`)."""
    reference_data_loaded()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, data or {})
    assert response.status_code == 200
    body(response)
    return response, data_statements(captured)


def queries(client, path: str, data: dict | None = None) -> list[str]:
    return measured(client, path, data)[1]


def add_tickets(customer: Customer, count: int, *, team: Team, consultant: User) -> None:
    """`count` more tickets of the customer, inserted in bulk and owned by `team`, numbered on from the
    organisation's counter (which is moved on to match). Status, priority and assignee (`consultant` or nobody)
    vary independently with the number, so every queue holds some of every kind."""
    organisation = Organisation.objects.get(pk=customer.organisation.pk)
    first = organisation.last_ticket_number + 1
    start = now() - dt.timedelta(days=30)
    rows = []
    for number in range(first, first + count):
        moment = start + dt.timedelta(minutes=number)
        rows.append(
            Ticket(
                organisation=organisation,
                number=number,
                key=f"{organisation.key_prefix}-{number}",
                ticket_type=TicketType.INCIDENT,
                request_type=customer.incident,
                title=f"Bulk request {number}",
                description="Generated for the query-count test.",
                requester=customer.requester if number % 2 else customer.admin,
                solution=customer.solution,
                environment=customer.production,
                impact=Impact.MEDIUM,
                urgency=Urgency.MEDIUM,
                priority=3 if number % 3 else 2,
                priority_reason="Medium impact × Medium urgency → P3",
                status=STATUSES[number % len(STATUSES)],
                team=team,
                assignee=consultant if (number // len(STATUSES)) % 2 else None,
                created_at=moment,
                updated_at=moment + dt.timedelta(seconds=number % 7),
                sla_due_at=moment + dt.timedelta(hours=number % 50),
                # Every other ticket joins "Breaching soon" (past its warning share), the others only later.
                sla_soon_at=moment if number % 2 else now() + dt.timedelta(days=60),
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=500)
    Organisation.objects.filter(pk=organisation.pk).update(last_ticket_number=first + count - 1)


def grow(world: DeskWorld, acme: int, nord: int) -> None:
    add_tickets(world.acme, acme, team=world.operations, consultant=world.consultant)
    add_tickets(world.nord, nord, team=world.nord_desk, consultant=world.outsider)


def _filters(world: DeskWorld) -> dict:
    """Every filter at once, chosen so that each queue still shows tickets."""
    return {
        "organisation": world.acme.organisation.pk,
        "type": TicketType.INCIDENT,
        "priority": 3,
        "solution": world.acme.solution.pk,
        "q": "bulk",
        "sort": "priority",
    }


# Every queue there is, each seen by someone who has it.
QUEUES = [("manager" if q.managers_only else "consultant", q.slug) for q in ALL_QUEUES]


def test_every_queue_runs_the_same_queries_for_10_and_1000_tickets(client, world):
    """Each queue, unfiltered and with every filter, on 10 tickets per customer and on 1,000; then the second
    page of each through the first page's `after` cursor."""
    grow(world, acme=10, nord=10)
    cases = [(who, slug, filtered) for who, slug in QUEUES for filtered in (False, True)]

    def measure(after: dict | None = None) -> dict:
        counts, pages = {}, {}
        for who, slug, filtered in cases:
            cache.clear()  # the sidebar's counts are counted afresh on each page measured here (see below)
            client.force_login(getattr(world, who))
            data = {**(_filters(world) if filtered else {}), **((after or {}).get((who, slug, filtered), {}))}
            response, sql = measured(client, reverse("desk:queue", args=[slug]), data)
            counts[(who, slug, filtered)] = len(sql)
            pages[(who, slug, filtered)] = response.context["page"]
        return counts, pages

    small, small_pages = measure()
    grow(world, acme=990, nord=500)
    large, large_pages = measure()
    second, second_pages = measure(after={case: {"after": page.next_cursor} for case, page in large_pages.items()})

    # A text filter first asks whether its exact words find a ticket (else it forgives a typo): one query more.
    everywhere = {case: QUEUE_QUERIES + (TEXT_CHECK_QUERIES if case[2] else 0) for case in cases}
    assert (small, large, second) == (everywhere, everywhere, everywhere)
    # The pages measured held tickets (not the shorter empty state), and full pages once the data grew.
    assert [case for case, page in small_pages.items() if not page.rows] == []
    assert {case: len(page.rows) for case, page in large_pages.items()} == dict.fromkeys(cases, 50)
    assert {case: (page.is_first, len(page.rows) > 0) for case, page in second_pages.items()} == dict.fromkeys(
        cases, (False, True)
    )


def test_a_queue_page_loads_the_directory_once(client, world):
    """The first queue page after a change to reference data reads the directory (a fixed number of queries
    whatever the number of tickets); the next pages do not."""
    client.force_login(world.consultant)
    path = reverse("desk:queue", args=["team"])

    def cold_then_warm() -> tuple[int, int]:
        reference.forget()
        counts = []
        for _ in range(2):
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            counts.append(len(captured))
        return counts[0], counts[1]

    grow(world, acme=10, nord=10)
    small = cold_then_warm()
    grow(world, acme=990, nord=500)
    assert small == cold_then_warm() == (QUEUE_QUERIES + DIRECTORY_QUERIES + CONTRACT_QUERIES, QUEUE_QUERIES)


def promise_times(world: DeskWorld) -> None:
    """ACME's contract counts its times on an office calendar, with a target for every priority and clock."""
    office = BusinessHoursCalendar.objects.create(name="Office", time_zone="Europe/Copenhagen", country="DK")
    for weekday in range(5):
        CalendarInterval.objects.create(calendar=office, weekday=weekday, starts=dt.time(8), ends=dt.time(16))
    CalendarClosedDay.objects.create(calendar=office, day=dt.date(2030, 12, 24), reason="Christmas Eve")
    contract = world.acme.organisation.contracts.get()
    contract.calendar = office
    contract.save()
    SlaTarget.objects.bulk_create(
        SlaTarget(tier=contract.tier, priority=priority, metric=metric, minutes=60 * priority)
        for priority in range(1, 6)
        for metric in SlaMetric
    )


def _change_ticket(world: DeskWorld) -> Ticket:
    """A change request with exactly three events: created (with a file), an internal note (with a file), and
    the hand-off to development."""
    ticket = world.acme.ticket(title="Checkout redesign", request_type=world.change_type, files=[upload("a.png")])
    ticket_add_note(actor=world.consultant, ticket=ticket, body="Budget agreed.", files=[upload("quote.pdf")])
    development_hand_off(actor=world.consultant, ticket=ticket, team=world.acme_development, brief="Redesign.")
    return ticket


def add_events(ticket: Ticket, world: DeskWorld, count: int) -> None:
    """`count` more events, alternately public replies and internal notes, each with a file."""
    start = now()
    actors = itertools.cycle([world.acme.requester, world.consultant, None])
    events = TicketEvent.objects.bulk_create(
        TicketEvent(ticket=ticket, organisation_id=ticket.organisation_id,
                    kind=EventKind.PUBLIC_REPLY if n % 2 else EventKind.INTERNAL_NOTE, public=bool(n % 2),
                    actor=next(actors), body=f"Event {n}", created_at=start + dt.timedelta(seconds=n))
        for n in range(count)
    )  # fmt: skip
    Attachment.objects.bulk_create(
        Attachment(ticket=ticket, organisation_id=ticket.organisation_id, event=event, file=f"attachments/x/{n}.txt",
                   filename=f"file-{n}.txt", content_type="text/plain", size=10 + n, public=event.public,
                   uploaded_by=world.consultant, created_at=event.created_at)
        for n, event in enumerate(events)
    )  # fmt: skip


def test_ticket_page_runs_the_same_queries_for_3_and_50_events(client, world):
    promise_times(world)
    ticket = _change_ticket(world)
    grow(world, acme=10, nord=10)
    assert ticket.events.count() == 3
    client.force_login(world.consultant)
    path = reverse("desk:ticket", args=[ticket.key])

    small = queries(client, path)
    ticket_reply(actor=world.consultant, ticket=ticket, body="Here is the plan.", files=[upload(), upload("b.csv")])
    for other, kind in ((world.ticket, LinkKind.RELATED), (world.change, LinkKind.PARENT_OF)):
        ticket_link(actor=world.consultant, ticket=ticket, other=other, kind=kind)
    ticket_link(actor=world.consultant, ticket=world.acme.ticket(title="Child"), other=ticket, kind=LinkKind.RELATED)
    second_team = factories.TeamFactory(name="ACME mobile development", kind=TeamKind.DEVELOPMENT)
    second_team.organisations.add(world.acme.organisation)
    development_hand_off(actor=world.consultant, ticket=ticket, team=second_team, brief="Part two.")
    add_events(ticket, world, 42)
    grow(world, acme=990, nord=500)
    assert ticket.events.count() == 50
    large = queries(client, path)

    change_request = TICKET_QUERIES - PROBLEM_PANEL  # no problem panel on a change request
    assert (len(small), len(large)) == (change_request, change_request), "\n".join(large)
    response = client.get(path)
    timeline = list(response.context["timeline"])
    assert len(timeline) == 50
    assert sum(len(event.attachments.all()) for event in timeline) == 2 + 2 + 42
    assert len(response.context["links"]) == 3
    assert len(response.context["development_items"]) == 2
    assert len(response.context["other_tickets"]) == 10
    assert [clock.metric for clock in response.context["sla"].clocks] != []  # the clocks were explained, not skipped


def test_incident_page_without_a_calendar(client, world):
    """An incident on a contract without a calendar runs the same queries: the hand-off form's teams come from
    the desk's directory and the SLA policy (with or without a calendar) from the reference data."""
    client.force_login(world.consultant)
    path = reverse("desk:ticket", args=[world.ticket.key])
    small = queries(client, path)
    add_events(world.ticket, world, 100)
    grow(world, acme=500, nord=10)
    assert len(small) == len(queries(client, path)) == TICKET_QUERIES


def test_development_pages_run_the_same_queries_for_few_and_many_items(client, world):
    client.force_login(world.acme_developer)
    list_path = reverse("desk:development")
    item_path = reverse("desk:development_item", args=[world.item.pk])
    small = (queries(client, list_path), queries(client, item_path))
    grow(world, acme=200, nord=10)
    not_handed = Ticket.objects.filter(development_items__isnull=True)
    changes = not_handed.filter(organisation=world.acme.organisation, status=Status.NEW).order_by("pk")[:20]
    Ticket.objects.filter(pk__in=[t.pk for t in changes]).update(ticket_type=TicketType.CHANGE_REQUEST)
    for ticket in Ticket.objects.filter(pk__in=[t.pk for t in changes]):
        development_hand_off(actor=world.consultant, ticket=ticket, team=world.acme_development, brief="More.")
    large = (queries(client, list_path), queries(client, item_path))

    assert [len(q) for q in small] == [len(q) for q in large] == [DEVELOPMENT_LIST_QUERIES, DEVELOPMENT_ITEM_QUERIES]
    assert len(client.get(list_path).context["items"]) == 21


def test_download_runs_a_fixed_number_of_queries(client, world):
    client.force_login(world.consultant)
    path = reverse("desk:attachment", args=[world.ticket.key, world.internal_file.pk])
    small = queries(client, path)
    grow(world, acme=100, nord=10)
    assert len(small) == len(queries(client, path)) == DOWNLOAD_QUERIES
