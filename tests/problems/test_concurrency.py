"""Two service managers publish one workaround at the same moment, and two detector runs overlap: each incident gets
the workaround once, and each cluster is proposed once."""

import pytest
from django.db import connection

from picocore.problems.models import Proposal, ProposalIncident, WorkaroundDelivery
from picocore.problems.services import (
    problem_create,
    problem_link_incident,
    problem_publish_workaround,
    proposals_detect,
)
from picocore.tenancy.choices import StaffRole
from picocore.tickets.models import TicketEvent
from tests import factories
from tests.concurrency import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database"),
    pytest.mark.transactional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_concurrent_publishes_post_once_per_incident(acme, nord):
    managers = [factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER) for _ in range(2)]
    tickets = [acme.ticket(title="Imports stall"), acme.ticket(title="Imports stall again"), nord.ticket()]
    problem = problem_create(actor=managers[0], title="Imports stall", workaround="Run it again.")
    for ticket in tickets:
        problem_link_incident(actor=managers[0], problem_id=problem.pk, ticket_key=ticket.key)
    outcomes = at_once(*(lambda m=m: problem_publish_workaround(actor=m, problem_id=problem.pk) for m in managers))
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert WorkaroundDelivery.objects.filter(problem=problem).count() == 3
    for ticket in tickets:
        assert TicketEvent.objects.filter(ticket=ticket, kind="public_reply").count() == 1


def test_overlapping_detector_runs_propose_once(acme, operations_team):
    from picocore.cmdb.models import Component

    component = Component.objects.create(environment=acme.production, name="Flaky PIM", kind="application")
    for _ in range(5):
        acme.ticket(title="Export broken", component=component)
    outcomes = at_once(proposals_detect, proposals_detect)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert Proposal.objects.count() == 1
    assert ProposalIncident.objects.count() == 5
