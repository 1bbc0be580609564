"""Presence rows are pruned: a periodic job deletes the rows outside the presence window, in batches, and
deletes nothing twice; who is on a ticket is read from the fresh rows only, by a range on an index."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.core.clock import now
from picocore.core.tasks import discover_periodic_jobs
from picocore.desk.models import TicketPresence
from picocore.desk.services import PRESENT_FOR, presence_prune, presence_record, present_others
from picocore.desk.tasks import prune_ticket_presence
from tests import factories
from tests.desk.conftest import DeskWorld

pytestmark = pytest.mark.django_db


def seen(world: DeskWorld, ages: dict[str, int]) -> None:
    """A presence row on ACME-1 per person (named by their DeskWorld attribute), seen `age` seconds ago."""
    moment = now()
    TicketPresence.objects.bulk_create(
        TicketPresence(ticket=world.ticket, user=getattr(world, who), seen_at=moment - dt.timedelta(seconds=age))
        for who, age in ages.items()
    )


def left() -> list[str]:
    return sorted(TicketPresence.objects.values_list("user__email", flat=True))


def test_the_prune_is_a_periodic_job():
    job = discover_periodic_jobs()["picocore.desk.tasks.prune_ticket_presence"]
    assert job.every == dt.timedelta(minutes=10)


def test_rows_outside_the_presence_window_are_deleted_and_fresh_ones_kept(world):
    assert dt.timedelta(seconds=30) == PRESENT_FOR
    seen(world, {"consultant": 5, "manager": 20, "outsider": 31, "acme_developer": 3600, "developer": 86400 * 30})
    assert prune_ticket_presence.call() == 3
    assert left() == sorted([world.consultant.email, world.manager.email])
    assert prune_ticket_presence.call() == 0  # idempotent: nothing left to delete
    assert left() == sorted([world.consultant.email, world.manager.email])


def test_the_prune_deletes_in_batches_until_none_is_left(world):
    """2,500 stale rows with batches of 1,000: three deletes, every stale row gone, the fresh one kept."""
    people = [factories.UserFactory(email=f"p{n}@ops.example") for n in range(2500)]
    moment = now()
    TicketPresence.objects.bulk_create(
        [TicketPresence(ticket=world.ticket, user=p, seen_at=moment - dt.timedelta(minutes=5)) for p in people]
        + [TicketPresence(ticket=world.ticket, user=world.consultant, seen_at=moment)],
        batch_size=500,
    )
    with CaptureQueriesContext(connection) as captured:
        assert presence_prune() == 2500
    deletes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3
    assert left() == [world.consultant.email]


def test_an_explicit_cutoff_and_batch(world):
    seen(world, {"consultant": 10, "manager": 20, "outsider": 40})
    assert presence_prune(before=now() - dt.timedelta(seconds=15), batch=1) == 2
    assert left() == [world.consultant.email]


def test_a_pruned_person_who_polls_again_is_on_the_ticket_again(world):
    seen(world, {"manager": 120})
    presence_prune()
    seen(world, {"manager": 0})
    assert [p.name for p in presence_record(actor=world.consultant, ticket=world.ticket, typing=False)] == [
        world.manager.full_name
    ]


def _plan(world: DeskWorld) -> str:
    rows = present_others(ticket=world.ticket, actor=world.consultant, since=now() - PRESENT_FOR)
    if connection.vendor == "postgresql":
        # A handful of rows is read fastest by a sequential scan; what matters is that an index can bound it.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    return rows.explain()


def test_who_is_on_a_ticket_is_read_by_a_range_on_the_ticket_and_time_index(world):
    seen(world, {"manager": 5, "outsider": 3600})
    plan = _plan(world)
    if connection.vendor == "postgresql":
        # The time is in the index condition, not a filter over every row of the ticket.
        assert re.search(r"Index Scan (using|on) presence_ticket_seen .*\n\s+Index Cond: .*seen_at >=", plan), plan
    else:
        assert "USING INDEX presence_ticket_seen (ticket_id=? AND seen_at>?)" in plan
