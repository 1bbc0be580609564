"""Submitting the new-request form runs a fixed number of queries, whatever the size of the team that will hear of
it, and commits once: the ticket, its event, its clocks, the submission token and the notifying task together."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from picocore.contracts.models import ClockKind, SlaMetric, SlaTarget
from picocore.tenancy.choices import StaffRole
from picocore.tickets.models import Ticket
from tests import factories
from tests.portal.support import incident_form

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# session, user; the ticket number, the ticket (with its deadlines), its event, the clocks (one insert), the
# submission token, the task row. The configuration it reads (the person's memberships, the contract in force, the
# request type and its fields, the environment with its solution, the priority matrix, the owning team, the SLA
# targets and calendar) is reference data the process keeps (`picocore.core.reference`). The test's own
# transaction turns the service's into a savepoint (two more statements). One more: the webhook subscriptions
# the `ticket.created` announcement is owed to (`picocore.webhooks.announce`), one query whatever their number.
SUBMIT_QUERIES = 8 + 1 + 2
# The first submission after a change of the reference data reads the eight again (a contract with a
# business-hours calendar adds the calendar's reads).
SUBMIT_QUERIES_COLD = SUBMIT_QUERIES + 8


def submit(client, acme, token: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, submission=token))
    assert response.status_code == 302
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def promised(acme):
    contract = acme.organisation.contracts.get()
    for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION):
        SlaTarget.objects.create(contract=contract, priority=2, minutes=600, metric=metric, clock=ClockKind.CALENDAR)
    return acme


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_submitting_runs_the_same_queries_for_a_team_of_1_and_of_12(client, promised, consultant, operations_team):
    client.force_login(promised.requester)
    small_cold, small = submit(client, promised, "first"), submit(client, promised, "second")
    for _ in range(11):
        operations_team.members.add(factories.StaffFactory(staff_role=StaffRole.CONSULTANT))
    large_cold, large = submit(client, promised, "third"), submit(client, promised, "fourth")

    assert (len(small_cold), len(large_cold)) == (SUBMIT_QUERIES_COLD, SUBMIT_QUERIES_COLD), "\n".join(large_cold)
    assert (len(small), len(large)) == (SUBMIT_QUERIES, SUBMIT_QUERIES), "\n".join(large)
    assert not any("notifications_notification" in sql or "outbox_outboxemail" in sql for sql in large)
    assert DBTaskResult.objects.count() == 4
    assert Ticket.objects.filter(sla_due_at__isnull=False).count() == 4


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_submitting_commits_once(client, promised, consultant, monkeypatch):
    client.force_login(promised.requester)
    commits = []
    commit = connection.commit

    def counted() -> None:
        commits.append(connection.in_atomic_block)
        commit()

    monkeypatch.setattr(connection, "commit", counted)
    cold = submit(client, promised, "first")
    assert commits == [False]  # one transaction
    queries = submit(client, promised, "second")

    assert commits == [False, False]
    for captured, expected in ((cold, SUBMIT_QUERIES_COLD), (queries, SUBMIT_QUERIES)):
        assert not any(sql.startswith("SAVEPOINT") for sql in captured)
        statements = [sql for sql in captured if sql not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")]  # as captured
        assert len(statements) == expected - 2, "\n".join(statements)
    for ticket in Ticket.objects.all():
        assert ticket.sla_clocks.count() == 2
        event = ticket.events.get()
        assert DBTaskResult.objects.filter(args_kwargs={"args": [event.pk], "kwargs": {}}).count() == 1
