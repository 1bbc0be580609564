"""Two workers making the same review at the same moment (PostgreSQL: real concurrent transactions): one
review, and both get it."""

import datetime as dt
import threading

import pytest
from django.db import connection

from picocore.reviews import figures
from picocore.reviews.making import review_make
from picocore.reviews.models import ServiceReview
from tests.reviews.conftest import JANUARY
from tests.sla.conftest import CPH

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database"),
    pytest.mark.transactional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_runs_at_once_make_one_review(contract, clock, monkeypatch):
    clock.set(dt.datetime(2027, 2, 1, 9, 0, tzinfo=CPH))
    both_computed = threading.Barrier(2, timeout=10)
    compute = figures.contract_month

    def in_step(*args, **kwargs):  # both have looked, found nothing and computed before either inserts
        snapshot = compute(*args, **kwargs)
        both_computed.wait()
        return snapshot

    monkeypatch.setattr(figures, "contract_month", in_step)
    outcomes: list = [None, None]

    def run(index: int) -> None:
        try:
            outcomes[index] = review_make(contract=contract, month=JANUARY)
        except BaseException as error:  # reported below
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    assert sorted(made for _review, made in outcomes) == [False, True]
    assert outcomes[0][0].pk == outcomes[1][0].pk == ServiceReview.objects.get().pk
