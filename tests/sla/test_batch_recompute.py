"""Recomputing many tickets in batches stores exactly what recomputing them one by one stores, in a constant
number of queries per batch; a ticket a service holds is left to the service and recomputed after it."""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from picocore.notifications.models import Notification
from picocore.sla.batch import Policies, recompute_batch, recompute_unfinished
from picocore.sla.models import SlaClock
from picocore.sla.services import sla_recompute
from picocore.sla.sweep import sla_sweep
from picocore.tickets.choices import UNFINISHED_STATUSES, EventKind, Status
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.services import ticket_change_priority, ticket_reply, ticket_transition
from picocore.tickets.services.common import locked
from tests.conftest import make_customer
from tests.sla.conftest import CPH, set_targets

CLOCK_COLUMNS = [
    "ticket_id", "metric", "organisation_id", "target_seconds", "clock", "started_at", "due_at", "warn_at",
    "paused_since", "stopped_at", "stopped_by", "breached_at", "elapsed_seconds", "computed_at",
    "warning_recorded_at", "breach_recorded_at",
]  # fmt: skip
SUMMARY = ["pk", "sla_due_at", "sla_warn_at", "sla_soon_at", "sla_paused"]


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CPH)  # 23 Nov 2026 is a Monday


def stored() -> dict[str, list]:
    """Everything a recompute writes, without the ids new rows happen to get."""
    records = TicketEvent.objects.filter(kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACH])
    return {
        "clocks": sorted(SlaClock.objects.values_list(*CLOCK_COLUMNS)),
        "tickets": sorted(Ticket.objects.values_list(*SUMMARY)),
        "records": sorted(
            (ticket, kind, sorted(data.items()), created, public)
            for ticket, kind, data, created, public in records.values_list(
                "ticket_id", "kind", "data", "created_at", "public"
            )
        ),
        "notifications": sorted(Notification.objects.values_list("user_id", "ticket_id", "kind", "title", "body")),
    }


@pytest.fixture
def varied(sla_customer, consultant, manager, operations_team, clock):
    """Tickets of three organisations — business hours in Copenhagen, around the clock in Tokyo, and one whose
    contract ended — with running, paused, stopped, breached (recorded and not) and lost clocks, and targets
    changed since the clocks were stored."""
    acme = sla_customer
    new = acme.ticket(title="New")  # P2
    replied = acme.ticket(title="Replied", impact="high", urgency="high")  # P1
    waiting = acme.ticket(title="Waiting")
    resolved = acme.ticket(title="Resolved", impact="low", urgency="low")
    clock.set(at(23, 9, 30))
    ticket_reply(actor=consultant, ticket=replied, body="On it.")
    for ticket in (waiting, resolved):
        ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=waiting, to=Status.WAITING_ON_CUSTOMER)
    ticket_transition(actor=consultant, ticket=resolved, to=Status.RESOLVED, note="Cleared the cache.")
    clock.set(at(23, 11, 5))
    assert sla_sweep(at(23, 11, 5)) != (0, 0)
    clock.set(at(23, 11, 30))
    swept = acme.ticket(title="Raised later")
    ticket_change_priority(actor=consultant, ticket=swept, priority=1, reason="Shop down")

    tokyo = make_customer("TOKYO", operations_team)
    tokyo.organisation.time_zone = "Asia/Tokyo"
    tokyo.organisation.save()
    set_targets(tokyo.organisation.contracts.get().tier, p2_first_response_24x7=30, p2_resolution_24x7=600)
    around = tokyo.ticket(title="Around the clock")
    tokyo.ticket(title="Also around the clock")

    ended = make_customer("GONE", operations_team)
    contract = ended.organisation.contracts.get()
    set_targets(contract.tier, p2_first_response=60)
    orphan = ended.ticket(title="Contract ends")
    assert SlaClock.objects.filter(ticket=orphan).exists()
    contract.ends_on = dt.date(2026, 11, 23)
    contract.save()

    # Changes the clocks do not know of yet: shorter targets, a lost clock, a day later.
    set_targets(acme.organisation.contracts.get().tier, p2_resolution=300, p3_resolution=120)
    SlaClock.objects.filter(ticket=around, metric="resolution").delete()
    clock.set(at(24, 13))
    return [new, replied, waiting, resolved, swept, around, orphan]


@pytest.mark.django_db
def test_batches_store_exactly_what_one_ticket_at_a_time_stores(varied):
    before = stored()
    with transaction.atomic():
        assert recompute_unfinished(Ticket.objects.all(), batch_size=3) == len(varied) + 1
        batched = stored()
        transaction.set_rollback(True)
    assert stored() == before
    for ticket in Ticket.objects.filter(status__in=UNFINISHED_STATUSES).select_related("organisation"):
        sla_recompute(ticket=ticket)
    one_by_one = stored()
    assert batched == one_by_one
    # The world was varied enough to prove something: clocks created, changed and removed, breaches recorded.
    assert len(batched["records"]) > len(before["records"])
    assert len(batched["notifications"]) > len(before["notifications"])
    assert batched["clocks"] != before["clocks"]
    orphan = varied[-1]
    assert not [c for c in batched["clocks"] if c[0] == orphan.pk]
    assert [c for c in before["clocks"] if c[0] == orphan.pk]


@pytest.mark.django_db
def test_a_second_run_records_nothing_again(varied):
    call_command("sla_recompute", stdout=StringIO())
    first = stored()
    out = StringIO()
    call_command("sla_recompute", stdout=out)
    assert "Recomputed the clocks of 8 ticket(s)." in out.getvalue()
    second = stored()
    assert second["records"] == first["records"]
    assert second["notifications"] == first["notifications"]
    assert [c[:13] for c in second["clocks"]] == [c[:13] for c in first["clocks"]]


@pytest.mark.django_db
def test_a_batch_runs_the_same_queries_for_two_tickets_and_for_twelve(sla_customer, clock):
    tickets = [sla_customer.ticket(title=f"T{n}") for n in range(12)]
    SlaClock.objects.all().delete()
    counts = []
    for chosen in (tickets[1:3], tickets[3:]):
        policies = Policies()
        recompute_batch([t.pk for t in tickets[:1]], policies=policies)  # reads the policy
        with CaptureQueriesContext(connection) as queries:
            recompute_batch([t.pk for t in chosen], policies=policies)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need a server database")
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ticket_a_service_holds_is_skipped_and_recomputed_after_it(sla_customer, consultant):
    held = sla_customer.ticket(title="Held")
    free = sla_customer.ticket(title="Free")
    SlaClock.objects.all().delete()
    locked_now, release = threading.Event(), threading.Event()

    def service() -> None:
        try:
            with transaction.atomic():
                ticket = locked(Ticket.objects.get(pk=held.pk))
                locked_now.set()
                release.wait(timeout=30)
                ticket_reply(actor=consultant, ticket=ticket, body="Answered while the batch ran.")
        finally:
            connection.close()

    thread = threading.Thread(target=service)
    thread.start()
    try:
        assert locked_now.wait(timeout=30)
        outcome = recompute_batch([held.pk, free.pk], policies=Policies())
        assert (outcome.recomputed, outcome.skipped) == ([free.pk], [held.pk])
        assert SlaClock.objects.filter(ticket=free).count() == 2
        assert not SlaClock.objects.filter(ticket=held).exists()  # nothing written under the service's feet
    finally:
        release.set()
        thread.join()
    # The service recomputed it with its reply; the batch's retry waits for the lock and agrees with it.
    after_service = sorted(SlaClock.objects.filter(ticket=held).values_list("metric", "stopped_at", "stopped_by"))
    assert [(metric, by) for metric, _, by in after_service] == [("first_response", "reply"), ("next_update", ""),
                                                                ("resolution", "")]  # fmt: skip
    outcome = recompute_batch([held.pk], policies=Policies(), wait=True)
    assert (outcome.recomputed, outcome.skipped) == ([held.pk], [])
    again = sorted(SlaClock.objects.filter(ticket=held).values_list("metric", "stopped_at", "stopped_by"))
    assert again == after_service
