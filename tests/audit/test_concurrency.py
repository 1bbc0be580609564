"""Writers appending at the same moment never fork the chain, and staff opening one ticket at the same moment
leave one access log row (PostgreSQL: real concurrent transactions)."""

import pytest
from django.db import connection, transaction

from picocore.audit.models import AuditEntry, StaffAccess
from picocore.audit.services import access_record, audit_record
from picocore.audit.verification import audit_verify
from picocore.catalog.models import PriorityRule
from tests.concurrency import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database"),
    pytest.mark.transactional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WRITERS = 8


def write(n: int):
    def run():
        with transaction.atomic():
            for i in range(3):
                audit_record(
                    actor=None,
                    action="changed",
                    instance=PriorityRule(pk=n),
                    changes={"step": {"before": i, "after": i + 1}},
                )
        return n

    return run


def test_concurrent_writers_make_one_unbroken_chain():
    outcomes = at_once(*(write(n) for n in range(WRITERS)))
    assert outcomes == list(range(WRITERS))
    assert list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True)) == list(
        range(1, 3 * WRITERS + 1)
    )
    # Each transaction's entries are consecutive: the head stayed locked until it committed.
    objects = list(AuditEntry.objects.order_by("sequence").values_list("object_id", flat=True))
    assert all(len(set(objects[i : i + 3])) == 1 for i in range(0, len(objects), 3))
    result = audit_verify()
    assert (result.ok, result.checked) == (True, 3 * WRITERS)


def test_concurrent_openings_neither_fail_nor_double(operations_team, consultant):
    from tests.conftest import make_customer

    acme = make_customer("ACME", operations_team)
    ticket = acme.ticket()

    def open_it():
        access_record(actor=consultant, ticket_id=ticket.pk, organisation_id=acme.organisation.pk)
        return "ok"

    assert at_once(*(open_it for _ in range(8))) == ["ok"] * 8
    assert StaffAccess.objects.count() == 1
