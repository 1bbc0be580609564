"""The desk's ticket page and the portal's request page render a timeline of every kind of entry, each through
its partial, in the same number of queries for 10 and for 1,000 events."""

import datetime as dt
import itertools

import pytest

from picocore.core.clock import now
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from tests.portal.test_query_counts import REQUEST_QUERIES
from tests.portal.test_query_counts import queries as portal_queries
from tests.tickets.test_typed_timeline import EXAMPLES

pytestmark = pytest.mark.django_db


def fill(ticket: Ticket, total: int, *, actors: list, uploader) -> None:
    """Add entries of every kind, in turn, until the ticket has `total` events; each with a file."""
    start, entries, people = now(), itertools.cycle(EXAMPLES), itertools.cycle(actors)
    missing = total - ticket.events.count()
    events = TicketEvent.objects.bulk_create(
        TicketEvent(ticket=ticket, organisation_id=ticket.organisation_id, kind=entry.kind, public=entry.public,
                    actor=next(people), body=f"Event {n}", data=entry.to_data(),
                    created_at=start + dt.timedelta(seconds=n))
        for n, entry in zip(range(missing), entries, strict=False)
    )  # fmt: skip
    Attachment.objects.bulk_create(
        Attachment(ticket=ticket, organisation_id=ticket.organisation_id, event=event, file=f"attachments/x/{n}.txt",
                   filename=f"file-{n}.txt", content_type="text/plain", size=10 + n, public=event.public,
                   uploaded_by=uploader, created_at=event.created_at)
        for n, event in enumerate(events)
    )  # fmt: skip
    assert ticket.events.count() == total


def test_the_portal_request_page_shows_10_and_1000_events_of_every_kind_in_the_same_queries(client, acme, consultant):
    ticket = acme.ticket()
    client.force_login(acme.requester)
    path = f"/portal/requests/{ticket.key}/"
    fill(ticket, 10, actors=[acme.requester, consultant, None], uploader=consultant)
    small = portal_queries(client, path)
    fill(ticket, 1000, actors=[acme.requester, consultant, None], uploader=consultant)
    large = portal_queries(client, path)
    assert (len(small), len(large)) == (REQUEST_QUERIES, REQUEST_QUERIES)
    page = client.get(path).content.decode()
    public = ticket.events.filter(public=True).count()
    assert page.count('<li class="event event-') == public and public < 1000
    assert "internal-badge" not in page and "ACME-3" not in page  # no internal entry (the link) is shown
