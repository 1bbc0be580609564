"""The sweep at scale: an idle pass is one query whatever the number of clocks, due clocks are recorded a
batch at a time exactly once even with two sweeps at once, and their notices are a task that notifies once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.notifications.models import Notification, NotificationKind
from picocore.sla import recording, sweep
from picocore.sla.models import SlaClock
from picocore.sla.recording import BREACH, WARNING
from picocore.sla.sweep import sla_sweep
from picocore.sla.tasks import notify_sla_records
from picocore.tickets.choices import EventKind
from picocore.tickets.models import TicketEvent
from tests.sla.conftest import CPH


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CPH)  # 23 Nov 2026 is a Monday


def records_per_clock(kind: str) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for ticket_id, metric in TicketEvent.objects.filter(kind=kind).values_list("ticket_id", "data__metric"):
        counts[ticket_id, metric] = counts.get((ticket_id, metric), 0) + 1
    return counts


@pytest.mark.django_db
def test_an_idle_pass_is_one_query_at_two_tickets_and_at_twenty(sla_customer, clock):
    counts = []
    for number in (2, 18):
        for n in range(number):
            sla_customer.ticket(title=f"T{n}")
        with CaptureQueriesContext(connection) as queries:
            assert sla_sweep(at(23, 9, 30)) == (0, 0)
        counts.append(len(queries))
    assert counts == [1, 1]


@pytest.mark.django_db
def test_more_due_clocks_than_a_batch_are_all_recorded_in_one_pass(sla_customer, manager, clock, monkeypatch):
    monkeypatch.setattr(sweep, "BATCH", 2)
    tickets = [sla_customer.ticket(title=f"T{n}") for n in range(5)]  # P2: first response due 11:00, warn 10:30
    assert sla_sweep(at(23, 11, 1)) == (5, 5)
    assert sla_sweep(at(23, 11, 2)) == (0, 0)
    expected = {(t.pk, "first_response"): 1 for t in tickets}
    assert records_per_clock(EventKind.SLA_WARNING) == expected
    assert records_per_clock(EventKind.SLA_BREACH) == expected
    assert Notification.objects.filter(kind=NotificationKind.SLA_BREACH, user=manager).count() == 5
    clocks = SlaClock.objects.filter(metric="first_response")
    assert {(c.breached_at, c.breach_recorded_at, c.warning_recorded_at) for c in clocks} == {
        (at(23, 11), at(23, 11, 1), at(23, 11, 1))
    }


@pytest.mark.django_db
def test_the_notice_task_run_twice_notifies_once(sla_customer, manager, clock, monkeypatch):
    enqueued: list[list[object]] = []
    monkeypatch.setattr(recording, "_enqueue", enqueued.extend)  # the task row, not yet run
    ticket = sla_customer.ticket(impact="high", urgency="high")  # P1 at 09:00: due 10:00
    assert sla_sweep(at(23, 10, 1)) == (1, 1)
    first = SlaClock.objects.get(ticket=ticket, metric="first_response")
    assert enqueued == [
        [WARNING, first.pk, "2026-11-23T09:00:00+00:00", False],
        [BREACH, first.pk, "2026-11-23T09:00:00+00:00", False],  # in business hours: nobody paged
    ]
    sla_kinds = [NotificationKind.SLA_WARNING, NotificationKind.SLA_BREACH, NotificationKind.ON_CALL_PAGE]
    sla_notices = Notification.objects.filter(kind__in=sla_kinds)
    assert not sla_notices.exists()
    assert notify_sla_records.call(enqueued) == 2
    assert notify_sla_records.call(enqueued) == 0
    assert sorted(sla_notices.values_list("user__full_name", "kind", "title")) == [
        ("Magnus Manager", NotificationKind.SLA_BREACH, "ACME-1 first response breached"),
        ("Magnus Manager", NotificationKind.SLA_WARNING, "ACME-1 first response is due soon"),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent sweeps need a server database")
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_record_each_warning_and_breach_exactly_once(sla_customer, manager, monkeypatch):
    monkeypatch.setattr(sweep, "BATCH", 3)  # many small batches, so the two sweeps interleave
    tickets = [sla_customer.ticket(title=f"T{n}") for n in range(24)]
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def run() -> None:
        try:
            start.wait(timeout=30)
            outcomes.append(sla_sweep(at(23, 11, 1)))
        except BaseException as error:  # reported to the main thread below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    warnings = sum(outcome[0] for outcome in outcomes)  # type: ignore[index]
    breaches = sum(outcome[1] for outcome in outcomes)  # type: ignore[index]
    assert (warnings, breaches) == (24, 24)
    expected = {(t.pk, "first_response"): 1 for t in tickets}
    assert records_per_clock(EventKind.SLA_WARNING) == expected
    assert records_per_clock(EventKind.SLA_BREACH) == expected
    breach_keys = Notification.objects.filter(kind=NotificationKind.SLA_BREACH).values_list("user_id", "key")
    assert len(breach_keys) == len(set(breach_keys)) == 24
    assert sla_sweep(at(23, 11, 2)) == (0, 0)
