"""Two submissions of the same rating at the same moment (a double click, two tabs) record one rating
(PostgreSQL: real concurrent transactions)."""

import threading
import time

import pytest
from django.db import connection

from picocore.satisfaction import services
from picocore.satisfaction.links import rating_token
from picocore.satisfaction.models import Rating
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.services import ticket_transition

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database"),
    pytest.mark.transactional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_submissions_at_once_record_one_rating(acme, consultant, monkeypatch):
    ticket = acme.ticket()
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Importer fixed.")
    event = ticket.events.get(kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED)
    token = rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)
    low = services.low_score

    def slow_low_score(scale):  # the first submission's transaction still holds its new row when the second arrives
        time.sleep(0.5)
        return low(scale)

    monkeypatch.setattr(services, "low_score", slow_low_score)
    outcomes: list = [None, None]

    def submit(index: int, score: int) -> None:
        try:
            outcomes[index] = services.rating_record_from_link(token=token, score=score, comment=f"try {index}")
        except BaseException as error:  # reported to the main thread below
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(0, 4)), threading.Thread(target=submit, args=(1, 5))]
    threads[0].start()
    time.sleep(0.15)
    threads[1].start()
    for thread in threads:
        thread.join()
    assert all(isinstance(outcome, Rating) for outcome in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk
    assert list(Rating.objects.values_list("score", "comment")) == [(5, "try 1")]
