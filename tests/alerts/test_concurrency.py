"""Parallel identical posts: the one-open-alert constraint and the row lock make them one incident."""

import pytest
from django.db import connection

from picocore.alerts.models import Alert, RawAlertPayload
from picocore.alerts.services import alert_receive
from picocore.tickets.models import Ticket
from tests.alerts.test_intake import alertmanager, am_alert
from tests.concurrency import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database"),
    pytest.mark.transactional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_parallel_identical_posts_file_one_incident(consultant, integration, rule):
    body = alertmanager(am_alert("HighLatency"), am_alert("ErrorRate"))

    def post():
        return alert_receive(actor=consultant, slug=integration.slug, body=body, content_type="application/json",
                             source="test").counts  # fmt: skip

    outcomes = at_once(post, post, post, post)

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert sum(o["created"] for o in outcomes) == 2  # type: ignore[index]
    assert sum(o["updated"] for o in outcomes) == 6  # type: ignore[index]
    assert Ticket.objects.count() == 2
    assert sorted(Alert.objects.values_list("occurrences", flat=True)) == [4, 4]
    assert RawAlertPayload.objects.count() == 4
