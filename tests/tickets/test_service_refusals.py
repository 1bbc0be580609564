"""Every ticket service decides access itself: called directly (as a new interface would), as a contact or a
consultant of another organisation and as a developer, each refuses and writes nothing."""

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from picocore.cmdb.choices import ComponentKind
from picocore.cmdb.models import Component
from picocore.core.errors import NotFound, PermissionDenied
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tickets import services
from picocore.tickets.models import Ticket, TicketEvent, TicketLink
from picocore.tickets.services.impact import ticket_component_set, ticket_impact_confirm, ticket_impact_remove
from tests import factories
from tests.conftest import Customer

pytestmark = pytest.mark.django_db

# Services that act for the system, not for a person: nothing to refuse.
SYSTEM_SERVICES = {"ticket_auto_close"}


def _calls(acme: Customer, ticket: Ticket, other: Ticket) -> dict[str, Callable[[Any], object]]:
    team = ticket.team
    component_id = Component.objects.create(
        organisation=acme.organisation, environment=acme.production, name="Web", kind=ComponentKind.values[0]
    ).pk
    return {
        "ticket_add_note": lambda actor: services.ticket_add_note(actor=actor, ticket=ticket, body="x"),
        "ticket_reply": lambda actor: services.ticket_reply(actor=actor, ticket=ticket, body="x"),
        "ticket_transition": lambda actor: services.ticket_transition(actor=actor, ticket=ticket, to="in_progress"),
        "ticket_confirm_resolution": lambda actor: services.ticket_confirm_resolution(actor=actor, ticket=ticket),
        "ticket_reopen": lambda actor: services.ticket_reopen(actor=actor, ticket=ticket, reason="still broken"),
        "ticket_assign": lambda actor: services.ticket_assign(actor=actor, ticket=ticket, team=team, assignee=actor),
        "ticket_take": lambda actor: services.ticket_take(actor=actor, ticket=ticket),
        "ticket_set_next_step": lambda actor: services.ticket_set_next_step(
            actor=actor, ticket=ticket, text="call", due=None
        ),
        "ticket_change_priority": lambda actor: services.ticket_change_priority(
            actor=actor, ticket=ticket, priority=1, reason="urgent"
        ),
        "ticket_link": lambda actor: services.ticket_link(actor=actor, ticket=ticket, other=other, kind="related"),
        "ticket_merge": lambda actor: services.ticket_merge(actor=actor, duplicate=ticket, into=other),
        "ticket_create": lambda actor: services.ticket_create(
            actor=actor,
            organisation=acme.organisation,
            request_type=acme.incident,
            title="t",
            description="d",
            impact="high",
            urgency="high",
            requester=acme.requester,
        ),
        "ticket_impact_confirm": lambda actor: ticket_impact_confirm(
            actor=actor, ticket=ticket, component_id=component_id
        ),
        "ticket_impact_remove": lambda actor: ticket_impact_remove(
            actor=actor, ticket=ticket, component_id=component_id
        ),
        "ticket_component_set": lambda actor: ticket_component_set(actor=actor, ticket=ticket, component_id=None),
        "ticket_share": lambda actor: services.ticket_share(actor=actor, ticket=ticket, shared=True),
    }


@pytest.fixture
def outsiders(nord: Customer) -> dict[str, Any]:
    nord_team = factories.TeamFactory(name="Nord desk", kind=TeamKind.OPERATIONS)
    nord_team.organisations.add(nord.organisation)
    nord_consultant = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    nord_team.members.add(nord_consultant)
    return {
        "another organisation's requester": nord.requester,
        "another organisation's customer admin": nord.admin,
        "a consultant serving another organisation": nord_consultant,
        "a developer": factories.StaffFactory(staff_role=StaffRole.DEVELOPER),
    }


def test_every_public_ticket_service_is_called_here(acme: Customer):
    ticket = acme.ticket()
    covered = set(_calls(acme, ticket, ticket)) | SYSTEM_SERVICES
    public = {name for name in services.__all__ if inspect.isfunction(getattr(services, name))}
    assert public <= covered, f"add a refusal case for {sorted(public - covered)}"


@pytest.mark.parametrize(
    "who",
    [
        "another organisation's requester",
        "another organisation's customer admin",
        "a consultant serving another organisation",
        "a developer",
    ],
)
def test_each_service_refuses_an_outsider_and_writes_nothing(acme: Customer, outsiders, who):
    ticket = acme.ticket()
    other = acme.ticket(title="Other")
    actor = outsiders[who]
    before = (TicketEvent.objects.count(), Ticket.objects.count(), TicketLink.objects.count())
    ticket_state = Ticket.objects.filter(pk=ticket.pk).values().get()
    for name, call in _calls(acme, ticket, other).items():
        with pytest.raises((NotFound, PermissionDenied)):
            call(actor)
        assert (TicketEvent.objects.count(), Ticket.objects.count(), TicketLink.objects.count()) == before, name
        assert Ticket.objects.filter(pk=ticket.pk).values().get() == ticket_state, name
