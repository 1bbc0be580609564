"""Simultaneous retries of one create with one Idempotency-Key: exactly one request is filed, every answer is
its answer."""

import json

import pytest
from django.db import connection
from django.test import Client

from picocore.tickets.models import Ticket
from tests.api.conftest import ApiWorld, new_ticket_body
from tests.concurrency import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database"),
    pytest.mark.transactional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_simultaneous_retries_with_one_key_file_one_request(world: ApiWorld):
    api = world.api(world.acme.requester)
    body = new_ticket_body(world.acme)

    def post():
        # A client of its own per thread, as separate retries of one script would be.
        headers = {"Authorization": f"Bearer {api.token}", "Idempotency-Key": "same-retry"}
        return Client().post("/api/v1/tickets/", json.dumps(body), content_type="application/json", headers=headers)

    outcomes = at_once(post, post, post, post)

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert [o.status_code for o in outcomes] == [201] * 4  # type: ignore[attr-defined]
    assert Ticket.objects.count() == 1
    assert len({o.json()["key"] for o in outcomes}) == 1  # type: ignore[attr-defined]
    assert sum(o.get("Idempotent-Replayed") == "true" for o in outcomes) == 3  # type: ignore[attr-defined]
