"""A problem world: the desk's world (Carla serves ACME and Nord, Otto Nord only, Mona manages, Dana develops for
Nord) with a component in each customer's production landscape, and helpers to read what a refusal must leave
untouched."""

import copy
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction

from picocore.audit.models import AuditEntry
from picocore.cmdb.models import Component
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail
from picocore.problems.models import (
    AffectedCustomer,
    Problem,
    ProblemComponent,
    ProblemEvent,
    ProblemIncident,
    Proposal,
    ProposalIncident,
    WorkaroundDelivery,
)
from picocore.tickets.models import Ticket, TicketEvent
from tests.desk.conftest import DeskWorld, build_world


@dataclass
class ProblemWorld:
    desk: DeskWorld
    acme_pim: Component
    nord_cms: Component

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "desk":
            raise AttributeError(name)
        return getattr(self.desk, name)


def build_problem_world() -> ProblemWorld:
    desk = build_world()
    acme_pim = Component.objects.create(environment=desk.acme.production, name="ACME PIM app", kind="application")
    nord_cms = Component.objects.create(environment=desk.nord.production, name="Nord CMS", kind="application")
    return ProblemWorld(desk, acme_pim, nord_cms)


@pytest.fixture(scope="module")
def problem_world_once(django_db_setup, django_db_blocker) -> Iterator[ProblemWorld]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_problem_world()
        transaction.set_rollback(True)


@pytest.fixture
def pw(problem_world_once, db) -> ProblemWorld:
    return copy.deepcopy(problem_world_once)


def problem_state() -> dict:
    """Everything a problem service could change: its rows, the tickets' lifecycle, their timelines, the
    notifications and e-mails queued, and the audit trail."""
    return {
        "problems": list(
            Problem.objects.order_by("pk").values_list(
                "pk",
                "title",
                "description",
                "root_cause",
                "workaround",
                "status",
                "owner_id",
                "next_step",
                "next_step_due",
                "fixing_change_id",
                "known_issue_title",
                "known_issue_text",
                "known_issue_published_at",
                "updated_at",
            )
        ),
        "incidents": list(ProblemIncident.objects.order_by("pk").values_list("problem_id", "ticket_id")),
        "components": list(ProblemComponent.objects.order_by("pk").values_list("problem_id", "component_id")),
        "customers": list(AffectedCustomer.objects.order_by("pk").values_list("problem_id", "organisation_id")),
        "deliveries": list(WorkaroundDelivery.objects.order_by("pk").values_list("problem_id", "ticket_id")),
        "events": ProblemEvent.objects.count(),
        "proposals": list(Proposal.objects.order_by("pk").values_list("pk", "status", "problem_id")),
        "evidence": list(ProposalIncident.objects.order_by("pk").values_list("proposal_id", "ticket_id")),
        "tickets": list(Ticket.objects.order_by("pk").values_list("key", "status", "updated_at")),
        "ticket_events": TicketEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxEmail.objects.count(),
        "audit": AuditEntry.objects.count(),
    }
