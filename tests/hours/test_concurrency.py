"""Logging time and closing its month at the same moment: the entry is either in the closed figures or
refused, never logged into a month that closed without it (PostgreSQL: real concurrent transactions)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from picocore.core.errors import ValidationError
from picocore.hours import services, warnings
from picocore.hours.models import LedgerMonth, TimeEntry
from tests.sla.conftest import CPH

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database"),
    pytest.mark.transactional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_both(first, second) -> list:
    """Start `first`, then `second` a moment later, each in its own thread and connection."""
    outcomes: list = [None, None]

    def run(index, work) -> None:
        try:
            outcomes[index] = work()
        except BaseException as error:  # reported to the main thread below
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(0, first)), threading.Thread(target=run, args=(1, second))]
    threads[0].start()
    time.sleep(0.15)
    threads[1].start()
    for thread in threads:
        thread.join()
    return outcomes


def test_an_entry_logged_while_its_month_closes_is_in_the_closed_figures(acme, consultant, manager, contract, clock,
                                                                         monkeypatch):  # fmt: skip
    ticket = acme.ticket()
    clock.set(dt.datetime(2027, 2, 5, 9, 0, tzinfo=CPH))
    crossed = warnings.warn_if_crossed

    def slow_warn(*args):  # the entry's transaction still holds January's row when the closing arrives
        time.sleep(0.5)
        return crossed(*args)

    monkeypatch.setattr(services, "warn_if_crossed", slow_warn)
    logged, closed = run_both(
        lambda: services.time_log(actor=consultant, ticket=ticket, minutes=45, work_date=dt.date(2027, 1, 20)),
        lambda: services.ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 1)),
    )
    assert isinstance(logged, TimeEntry) and isinstance(closed, list), (logged, closed)
    january = LedgerMonth.objects.get(contract=contract, month=dt.date(2027, 1, 1))
    assert january.closed_at is not None and january.closing["used"] == 45


def test_an_entry_arriving_while_its_month_closes_is_refused(acme, consultant, manager, contract, clock,
                                                             monkeypatch):  # fmt: skip
    ticket = acme.ticket()
    clock.set(dt.datetime(2027, 2, 5, 9, 0, tzinfo=CPH))
    as_data = services.selectors.figures_as_data

    def slow_figures(figures):  # the closing still holds January's row when the entry arrives
        time.sleep(0.5)
        return as_data(figures)

    monkeypatch.setattr(services.selectors, "figures_as_data", slow_figures)
    closed, logged = run_both(
        lambda: services.ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 1)),
        lambda: services.time_log(actor=consultant, ticket=ticket, minutes=45, work_date=dt.date(2027, 1, 20)),
    )
    assert isinstance(closed, list) and isinstance(logged, ValidationError), (closed, logged)
    assert not TimeEntry.objects.exists()
    assert LedgerMonth.objects.get(contract=contract, month=dt.date(2027, 1, 1)).closing["used"] == 0


def test_the_same_reply_with_time_posted_twice_at_once_makes_one_reply_and_one_entry(acme, consultant, contract,
                                                                                    monkeypatch):  # fmt: skip
    from picocore.desk import services as desk_services
    from picocore.hours.services import TimeToLog
    from picocore.tickets.models import TicketEvent

    ticket = acme.ticket()
    logged = desk_services.time_log

    def slow_log(**kwargs):  # the first post still holds the ticket's row when the repeat arrives
        time.sleep(0.5)
        return logged(**kwargs)

    monkeypatch.setattr(desk_services, "time_log", slow_log)

    def send():
        return desk_services.ticket_send(
            actor=consultant, ticket=ticket, public=True, body="Done.", submission="one-form",
            time=TimeToLog(minutes=30, work_date=dt.date(2027, 1, 11)),
        )  # fmt: skip

    first, second = run_both(send, send)
    assert isinstance(first, TicketEvent) and isinstance(second, TicketEvent), (first, second)
    assert first.pk == second.pk
    assert TicketEvent.objects.filter(ticket=ticket, kind="public_reply").count() == 1
    entry = TimeEntry.objects.get()
    assert (entry.event_id, entry.minutes) == (first.pk, 30)
