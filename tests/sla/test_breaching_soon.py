"""The desk's "Breaching soon" queue, the SLA column of queue rows and the sort by time remaining, on clocks
derived by the services themselves (Copenhagen office hours, Mon–Fri 08–16)."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.catalog.choices import Impact, Urgency
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.queues import Filters, SlaState, queue_page
from picocore.tickets.services import ticket_reply, ticket_transition
from tests.desk.test_query_counts import reference_data_loaded
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db
# The sidebar's aggregate over tickets (other counts, such as the header's unread notifications, are not it).
# The sidebar's one counting query: sums over the tallies, beside bounded counts of tickets.
TICKET_COUNT = 'FROM "tickets_queuetally"'


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CPH)  # 23 Nov 2026 is a Monday


@pytest.fixture
def tickets(sla_customer, consultant, clock):
    """Created Monday 09:00 under a tier whose "soon" is 1 business hour:

    - P2 "urgent": first response due 11:00, warning share (75 %) at 10:30, 1 h left at 10:00;
    - P3 "later": first response due 13:00, warning at 12:00, 1 h left at 12:00;
    - P2 "paused": waiting on the customer since 09:00, nothing running;
    - P3 "far": created Tuesday 08:00 — first response due 12:00, so not soon on Monday.
    """
    tier = sla_customer.organisation.contracts.get().tier
    tier.breaching_soon_hours = 1
    tier.save()
    urgent = sla_customer.ticket(title="Urgent")
    later = sla_customer.ticket(title="Later", impact=Impact.MEDIUM, urgency=Urgency.MEDIUM)
    paused = sla_customer.ticket(title="Paused")
    ticket_transition(actor=consultant, ticket=paused, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=paused, to=Status.WAITING_ON_CUSTOMER, note="Which shop?")
    return {"urgent": urgent, "later": later, "paused": paused}


def breaching(client) -> list[str]:
    response = client.get("/desk/queues/breaching/")
    assert response.status_code == 200
    return [ticket.title for ticket in response.context["page"].rows]


def test_the_stored_columns_say_when_a_ticket_joins_breaching_soon(tickets):
    urgent, later, paused = (Ticket.objects.get(pk=t.pk) for t in tickets.values())
    assert (urgent.sla_due_at, urgent.sla_warn_at, urgent.sla_soon_at, urgent.sla_paused) == (
        at(23, 11),
        at(23, 10, 30),
        at(23, 10),
        False,
    )
    assert (later.sla_due_at, later.sla_warn_at, later.sla_soon_at) == (at(23, 13), at(23, 12), at(23, 12))
    assert (paused.sla_due_at, paused.sla_soon_at, paused.sla_paused) == (None, None, True)


def test_breaching_soon_lists_only_clocks_past_their_warning_or_within_the_soon_hours(
    client, consultant, tickets, clock
):
    client.force_login(consultant)
    clock.set(at(23, 9, 59))
    assert breaching(client) == []
    clock.set(at(23, 10, 15))  # 45 min left on "urgent" (within the hour), warning share not yet used
    assert breaching(client) == ["Urgent"]
    clock.set(at(23, 12, 5))  # "urgent" breached, "later" past its warning share; "paused" never
    assert breaching(client) == ["Urgent", "Later"]  # by deadline, soonest first


def test_without_soon_hours_only_the_warning_share_counts(client, consultant, sla_customer, clock):
    tier = sla_customer.organisation.contracts.get().tier
    tier.breaching_soon_hours = 0
    tier.save()
    sla_customer.ticket(title="Urgent")  # due 11:00, warning at 10:30
    client.force_login(consultant)
    clock.set(at(23, 10, 29))
    assert breaching(client) == []
    clock.set(at(23, 10, 30))
    assert breaching(client) == ["Urgent"]


def test_the_default_is_eight_business_hours(sla_customer, consultant, clock):
    """P3 resolution is 32 business hours from Monday 09:00: due Friday 09:00, 8 business hours left from
    Thursday 09:00. (Its first response, 4 hours, is within 8 business hours from the start.)"""
    assert sla_customer.organisation.contracts.get().tier.breaching_soon_hours == 8
    ticket = sla_customer.ticket(title="Slow", impact=Impact.MEDIUM, urgency=Urgency.MEDIUM)
    ticket_reply(actor=consultant, ticket=ticket, body="On it.")  # stops the first response at 09:00
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.sla_due_at, stored.sla_soon_at) == (at(27, 9), at(26, 9))


def test_the_sort_box_of_breaching_soon_says_by_deadline(client, consultant, tickets, clock):
    client.force_login(consultant)
    response = client.get("/desk/queues/breaching/", {"sort": "updated"})
    content = response.content.decode()
    sort_box = re.search(r'<select id="f-sort" name="sort"[^>]*>(.*?)</select>', content, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"( selected)?>([^<]*)</option>', sort_box) == [
        ("deadline", " selected", "By deadline, soonest first")
    ]
    assert "This queue is always in deadline order." in content
    assert response.context["sort"] == "deadline"


def test_the_sla_column_shows_each_state_in_words(client, consultant, tickets, clock, acme):
    client.force_login(consultant)

    def states(when: dt.datetime) -> dict[str, SlaState]:
        clock.set(when)
        response = client.get("/desk/queues/team/")
        return {ticket.title: sla.state for ticket, sla in response.context["rows"]}

    assert states(at(23, 9, 30)) == {"Urgent": "running", "Later": "running", "Paused": "paused"}
    assert states(at(23, 10, 15)) == {"Urgent": "warning", "Later": "running", "Paused": "paused"}
    assert states(at(23, 11, 30)) == {"Urgent": "breached", "Later": "running", "Paused": "paused"}
    clock.set(at(23, 11, 30))
    content = client.get("/desk/queues/team/").content.decode()
    cells = re.findall(r'<td data-label="SLA">(.*?)</td>', content)
    by_state = {re.search(r"sla-state-(\w+)|muted", cell).group(1) or "none": cell for cell in cells}
    assert ">Paused</span>" in by_state["paused"]
    assert 'title="Deadline Mon 23 Nov 2026, ' in by_state["breached"]
    assert "<time " in by_state["breached"] and "breached 30" in by_state["breached"]
    assert "<time " in by_state["running"] and "due in " in by_state["running"]
    clock.set(at(23, 10, 15))
    content = client.get("/desk/queues/team/").content.decode()
    assert re.search(r'<time class="sla sla-state-warning"[^>]*>Soon: due in 45', content)


def test_no_clock_is_a_dash_not_paused(client, consultant, acme):
    """Without SLA targets nothing runs: the column says "—", and "paused" only of clocks that are paused."""
    acme.ticket(title="No promise")
    client.force_login(consultant)
    response = client.get("/desk/queues/team/")
    assert [sla.state for _, sla in response.context["rows"]] == [SlaState.NONE]


def test_sorted_by_time_remaining_soonest_first_then_tickets_without_a_clock(consultant, tickets, clock):
    clock.set(at(23, 9, 30))
    seen, cursor = [], None
    while True:  # one row per page: the cursor must carry past the tickets without a deadline too
        page = queue_page(actor=consultant, slug="team", filters=Filters(), sort="remaining", cursor=cursor, size=1)
        seen += [t.title for t in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["Urgent", "Later", "Paused"]


def test_queue_counts_are_not_counted_on_every_page_view(client, consultant, tickets):
    client.force_login(consultant)
    cache.clear()

    def run() -> list[str]:
        reference_data_loaded()  # read once per process, not per page (tests/desk/test_query_counts.py)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/desk/queues/team/").status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    first, second = run(), run()
    counting = [sql for sql in first if TICKET_COUNT in sql]
    assert len(counting) == 1 and "tickets_ticket" in counting[0]
    assert len(second) == len(first) - 1
    assert [sql for sql in second if TICKET_COUNT in sql] == []
    assert client.get("/desk/queues/team/").context["queue_rows"][3][1] == 3  # "My teams' open" still counted
