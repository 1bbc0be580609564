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
# session, user, memberships, contract in force, request type, its fields, the environment (with its solution),
# the priority matrix, the owning team; the ticket number, the ticket (with its deadlines), its event, the SLA
# targets, the clocks (one insert), the submission token, the task row. (A contract with a business-hours
# calendar adds the calendar's reads.) The test's own transaction turns the service's into a savepoint (two more
# statements).
SUBMIT_QUERIES = 16 + 2


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
    small = submit(client, promised, "first")
    for _ in range(11):
        operations_team.members.add(factories.StaffFactory(staff_role=StaffRole.CONSULTANT))
    large = submit(client, promised, "second")

    assert (len(small), len(large)) == (SUBMIT_QUERIES, SUBMIT_QUERIES), "\n".join(large)
    assert not any("notifications_notification" in sql or "outbox_outboxemail" in sql for sql in large)
    assert DBTaskResult.objects.count() == 2
    assert Ticket.objects.filter(sla_due_at__isnull=False).count() == 2


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
    queries = submit(client, promised, "only")

    assert commits == [False]  # one transaction
    assert not any(sql.startswith("SAVEPOINT") for sql in queries)
    statements = [sql for sql in queries if sql not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")]  # as captured
    assert len(statements) == SUBMIT_QUERIES - 2
    ticket = Ticket.objects.get()
    assert ticket.sla_clocks.count() == 2
    assert DBTaskResult.objects.get().args_kwargs == {"args": [ticket.events.get().pk], "kwargs": {}}
