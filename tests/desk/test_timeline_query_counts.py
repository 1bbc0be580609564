"""The desk's ticket page renders a timeline of every kind of entry, each through its partial, in the same number
of queries for 10 and for 1,000 events."""

import pytest
from django.urls import reverse

from tests.desk.test_query_counts import TICKET_QUERIES
from tests.desk.test_query_counts import queries as desk_queries
from tests.tickets.test_timeline_query_counts import fill

pytestmark = pytest.mark.django_db


def test_the_desk_ticket_page_shows_10_and_1000_events_of_every_kind_in_the_same_queries(client, world):
    ticket = world.ticket
    client.force_login(world.consultant)
    path = reverse("desk:ticket", args=[ticket.key])
    fill(ticket, 10, actors=[world.acme.requester, world.consultant, None], uploader=world.consultant)
    small = desk_queries(client, path)
    fill(ticket, 1000, actors=[world.acme.requester, world.consultant, None], uploader=world.consultant)
    large = desk_queries(client, path)
    # An incident: the same queries as any ticket page (tests/desk/test_query_counts.py counts them).
    expected = TICKET_QUERIES
    assert (len(small), len(large)) == (expected, expected), "\n".join(large)
    page = client.get(path).content.decode()
    assert page.count('<li class="event event-') == 1000
    assert "Event 989" in page and "Carla, Op" in page  # the last of the 990 added
