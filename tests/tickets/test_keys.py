import threading

import pytest
from django.db import connection, transaction

from picocore.tickets.keys import allocate_ticket_numbers
from picocore.tickets.models import Ticket

THREADS = 8
TICKETS_PER_THREAD = 5


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_are_allocated_only_inside_a_transaction(acme):
    with pytest.raises(RuntimeError):
        allocate_ticket_numbers(acme.organisation.pk)


@pytest.mark.django_db
def test_a_rolled_back_creation_leaves_no_gap(acme):
    with pytest.raises(RuntimeError), transaction.atomic():
        acme.ticket()
        raise RuntimeError("the request failed after the ticket was created")
    assert acme.ticket().key == "ACME-1"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creation_gives_unique_keys_without_gaps(acme):
    """Eight threads, each with its own connection, create tickets at the same time."""
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def create_tickets() -> None:
        try:
            start.wait()
            for _ in range(TICKETS_PER_THREAD):
                acme.ticket()
        except BaseException as error:  # reported to the main thread below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_tickets) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    total = THREADS * TICKETS_PER_THREAD
    numbers = sorted(Ticket.objects.filter(organisation=acme.organisation).values_list("number", flat=True))
    assert numbers == list(range(1, total + 1))
    keys = set(Ticket.objects.values_list("key", flat=True))
    assert keys == {f"ACME-{n}" for n in range(1, total + 1)}
    acme.organisation.refresh_from_db()
    assert acme.organisation.last_ticket_number == total
