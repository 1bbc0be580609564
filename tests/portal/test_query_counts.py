"""Each portal page runs a fixed number of queries, whatever the amount of data behind it.

Every test measures a page on a small data set, grows the data a hundredfold, and measures again: the exact
count is asserted for both, so an N+1 or a new query shows up as a changed number.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.catalog.choices import FieldKind, Impact, TicketType, Urgency
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.core.pagination import keyset_page
from picocore.tenancy.models import Organisation
from picocore.tickets.choices import UNFINISHED_STATUSES, EventKind, Status
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.services import ticket_assign, ticket_reply, ticket_set_next_step
from tests import factories
from tests.conftest import Customer
from tests.portal.support import body, resolve, upload
from tests.support_queries import data_statements, session_state_kept

pytestmark = pytest.mark.django_db

# Counted with the reference data known (`queries(warm=True)`): the person's memberships with their organisations,
# and for the new-request form the contracts, the request type and its fields, the solutions and environments, are
# kept per process (`picocore.core.reference`) and read again only by the first request after a change.
# session, user, page of tickets (by keyset: no count), status counts, the header's unread notifications
HOME_QUERIES = 5
# session, user, ticket (with its related rows), SLA clocks, public events, their attachments, the header's unread
# notifications (the contract in force is kept with the reference data); once resolved, for its requester, their
# rating of the latest resolution
REQUEST_QUERIES = 7
REQUEST_QUERIES_RESOLVED = 8
# session, user, offered request types, the header's unread notifications; the first after a change also reads
# the memberships and every contract (kept with the reference data: `every_contract`)
CATALOGUE_QUERIES = 4
CATALOGUE_QUERIES_COLD = 6
# session, user, the header's unread notifications; the first after a change also reads the request type, its
# fields, the solutions, the environments and the components (and the memberships and contracts, unless a page
# such as the catalogue just read them, as here)
NEW_REQUEST_QUERIES = 3
NEW_REQUEST_QUERIES_COLD = 8
# session, user, attachment
DOWNLOAD_QUERIES = 3


def queries(client, path: str, expected_status: int = 200, *, warm: bool = True) -> list[str]:
    """The SQL the page at `path` runs, after checking it rendered. `warm`: as every request but the first after a
    change of the reference data runs it (the page is asked for once before, so that the process knows the
    configuration the page reads, `picocore.core.reference`); otherwise as that first one."""
    with session_state_kept():
        if warm:
            client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
    assert response.status_code == expected_status
    body(response)
    return data_statements(captured)


def add_tickets(customer: Customer, count: int) -> None:
    """`count` more requests of the customer, inserted in bulk, alternating requester and admin and cycling
    through every status, numbered on from the organisation's counter (which is moved on to match)."""
    organisation = Organisation.objects.get(pk=customer.organisation.pk)
    first = organisation.last_ticket_number + 1
    statuses = itertools.cycle(Status)
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
                priority=3,
                priority_reason="Medium impact × Medium urgency → P3",
                status=next(statuses),
                next_step="Check the import log" if number % 3 else "",
                next_step_due=moment.date() if number % 5 == 0 else None,
                created_at=moment,
                updated_at=moment,
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=500)
    Organisation.objects.filter(pk=organisation.pk).update(last_ticket_number=first + count - 1)


def add_events(ticket: Ticket, customer: Customer, staff, count: int) -> None:
    """`count` more timeline events, each with a public file, plus as many internal notes the page must skip."""
    start = now()
    actors = itertools.cycle([customer.requester, staff, None])
    events = []
    for n in range(count):
        moment = start + dt.timedelta(seconds=n)
        events.append(
            TicketEvent(ticket=ticket, organisation_id=ticket.organisation_id, kind=EventKind.PUBLIC_REPLY,
                        public=True, actor=next(actors), body=f"Reply {n}", created_at=moment)
        )  # fmt: skip
        events.append(
            TicketEvent(ticket=ticket, organisation_id=ticket.organisation_id, kind=EventKind.INTERNAL_NOTE,
                        public=False, actor=staff, body=f"Internal {n}", created_at=moment)
        )  # fmt: skip
    events = TicketEvent.objects.bulk_create(events)
    Attachment.objects.bulk_create(
        Attachment(ticket=ticket, organisation_id=ticket.organisation_id, event=event, file=f"attachments/x/{n}.txt",
                   filename=f"file-{n}.txt", content_type="text/plain", size=10 + n, public=event.public,
                   uploaded_by=customer.requester, created_at=event.created_at)
        for n, event in enumerate(events)
    )  # fmt: skip


HOME_PATHS = (
    "/portal/?show=mine",
    "/portal/?show=organisation",
    "/portal/?show=organisation&after={cursor}",
    "/portal/?after=x",
)


def test_home_runs_the_same_queries_for_10_and_1000_tickets(client, acme, nord, consultant, operations_team):
    for _ in range(2):
        acme.ticket()
    ticket_assign(actor=consultant, ticket=acme.ticket(by=acme.admin), team=operations_team, assignee=consultant)
    add_tickets(acme, 7)
    add_tickets(nord, 5)
    client.force_login(acme.admin)
    assert Ticket.objects.filter(organisation=acme.organisation).count() == 10

    def measure() -> dict[str, list[str]]:
        # A later page than the first: 1 row on, so it exists at 10 tickets too.
        cursor = keyset_page(Ticket.objects.filter(organisation=acme.organisation), field="updated_at",
                             descending=True, cursor=None, size=1).next_cursor  # fmt: skip
        return {
            path: queries(client, path.format(cursor=cursor), 400 if "after=x" in path else 200) for path in HOME_PATHS
        }

    small = measure()
    add_tickets(acme, 990)
    add_tickets(nord, 500)
    large = measure()

    assert {path: len(sql) for path, sql in small.items()} == dict.fromkeys(HOME_PATHS, HOME_QUERIES)
    assert {path: len(sql) for path, sql in large.items()} == dict.fromkeys(HOME_PATHS, HOME_QUERIES)
    counting = [q for sql in large.values() for q in sql if "COUNT(" in q.upper() and "notifications_" not in q]
    assert len(counting) == len(HOME_PATHS)  # the status counts, grouped; no count of the listed rows
    assert all("GROUP BY" in q.upper() for q in counting)
    assert all("OFFSET" not in q.upper() for sql in large.values() for q in sql)
    mine, whole = client.get(HOME_PATHS[0]).context, client.get(HOME_PATHS[1]).context
    assert (mine["whole"], whole["whole"]) == (False, True)
    # Full pages are rendered, not empty ones: the count holds for 25 rows with their related objects.
    assert len(mine["page"].rows) == len(whole["page"].rows) == 25
    assert {t.status for t in whole["page"].rows} <= set(UNFINISHED_STATUSES)
    # Closed and cancelled requests are not listed: 3 filed through the service, 6 of the first 7 bulk ones,
    # and 744 of the next 990 (the statuses cycle, and 6 of every 8 are unfinished).
    assert whole["counts"]["open"] == 3 + 6 + 744


def test_request_page_runs_the_same_queries_for_3_and_50_events(client, acme, consultant, operations_team):
    ticket = acme.ticket(files=[upload("screen.png", b"\x89PNG")])
    ticket_assign(actor=consultant, ticket=ticket, team=operations_team, assignee=consultant)
    ticket_set_next_step(actor=consultant, ticket=ticket, text="Re-run the import", due=dt.date(2025, 3, 4))
    assert ticket.events.filter(public=True).count() == 3
    client.force_login(acme.requester)
    path = f"/portal/requests/{ticket.key}/"

    small = queries(client, path)
    ticket_reply(actor=acme.requester, ticket=ticket, body="Here is a log.", files=[upload(), upload("b.csv")])
    resolve(ticket, consultant)  # the status change, and the next step it replaces
    resolved_small = queries(client, path)
    add_events(ticket, acme, consultant, 43)
    add_tickets(acme, 200)
    assert ticket.events.filter(public=True).count() == 50
    large = queries(client, path)

    assert len(small) == REQUEST_QUERIES, "\n".join(small)
    assert (len(resolved_small), len(large)) == (REQUEST_QUERIES_RESOLVED, REQUEST_QUERIES_RESOLVED), "\n".join(large)
    timeline = client.get(path).context["timeline"]
    assert len(timeline) == 50
    assert sum(len(event.attachments.all()) for event in timeline) == 1 + 2 + 43


def test_catalogue_and_form_run_the_same_queries_for_few_and_many_options(client, acme):
    rich = factories.RequestTypeFactory(name="Data import", slug="data-import")
    for kind in (FieldKind.SOLUTION, FieldKind.ENVIRONMENT, FieldKind.CHOICE, FieldKind.DATE):
        factories.FormFieldFactory(request_type=rich, key=kind, kind=kind, choices="A\nB")
    tier = acme.organisation.contracts.get().tier
    tier.request_types.add(rich)
    client.force_login(acme.requester)

    def pages(*, warm: bool) -> list[int]:
        return [len(queries(client, path, warm=warm)) for path in ("/portal/new/", "/portal/new/data-import/")]

    # The first showing after a change reads the reference data (the memberships, the contract, the type and its
    # fields, the landscape); the next ones take them from what the process keeps.
    small_cold, small = pages(warm=False), pages(warm=True)
    types = [factories.RequestTypeFactory(name=f"Type {n}", slug=f"type-{n}") for n in range(20)]
    tier.request_types.add(*types)
    for n in range(20):
        solution = factories.SolutionFactory(organisation=acme.organisation, name=f"Solution {n}")
        environment = factories.EnvironmentFactory(solution=solution, kind="test")
        Component.objects.create(environment=environment, name=f"Component {n}", kind="application")
    large_cold, large = pages(warm=False), pages(warm=True)

    assert small_cold == large_cold == [CATALOGUE_QUERIES_COLD, NEW_REQUEST_QUERIES_COLD]
    assert small == large == [CATALOGUE_QUERIES, NEW_REQUEST_QUERIES]


def test_download_runs_a_fixed_number_of_queries(client, acme):
    ticket = acme.ticket(files=[upload()])
    client.force_login(acme.requester)
    path = f"/portal/requests/{ticket.key}/files/{ticket.attachments.get().pk}/"
    small = queries(client, path)
    add_tickets(acme, 100)
    assert len(small) == len(queries(client, path)) == DOWNLOAD_QUERIES
