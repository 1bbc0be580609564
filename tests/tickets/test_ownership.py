import pytest

from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tickets.choices import EventKind, LinkKind, Status
from picocore.tickets.models import TicketLink, TicketWatcher
from picocore.tickets.selectors import portal_ticket_get
from picocore.tickets.services import (
    ticket_add_note,
    ticket_assign,
    ticket_change_priority,
    ticket_link,
    ticket_merge,
    ticket_take,
    ticket_transition,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_take_assigns_the_consultant_with_their_team(acme, consultant, operations_team):
    ticket = ticket_take(actor=consultant, ticket=acme.ticket())
    assert (ticket.team, ticket.assignee) == (operations_team, consultant)
    event = ticket.events.order_by("id").last()
    assert (event.kind, event.actor, event.data["after_label"]) == (
        EventKind.FIELD_CHANGED,
        consultant,
        "Carla Consultant, Operations",
    )


def test_take_without_a_serving_team_is_refused(acme):
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    factories.TeamFactory(kind=TeamKind.OPERATIONS).members.add(outsider)
    ticket = acme.ticket()
    with pytest.raises(NotFound):  # a consultant no team of whose serves ACME does not see its tickets
        ticket_take(actor=outsider, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_operational_tickets_never_go_to_a_development_team(acme, consultant):
    development = factories.TeamFactory(kind=TeamKind.DEVELOPMENT)
    development.organisations.add(acme.organisation)
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    development.members.add(developer)
    ticket = acme.ticket()
    with pytest.raises(ValidationError) as error:
        ticket_assign(actor=consultant, ticket=ticket, team=development, assignee=developer)
    assert "Only an operations team" in error.value.field_errors["team"][0]


def test_assignee_must_be_in_the_team_and_team_must_serve_the_customer(acme, consultant, operations_team):
    other_team = factories.TeamFactory(kind=TeamKind.OPERATIONS)
    ticket = acme.ticket()
    with pytest.raises(ValidationError) as error:
        ticket_assign(actor=consultant, ticket=ticket, team=other_team, assignee=consultant)
    assert set(error.value.field_errors) == {"team", "assignee"}


def test_customers_cannot_assign_or_note(acme, operations_team):
    ticket = acme.ticket()
    with pytest.raises(PermissionDenied):
        ticket_assign(actor=acme.admin, ticket=ticket, team=operations_team, assignee=None)
    with pytest.raises(PermissionDenied):
        ticket_add_note(actor=acme.admin, ticket=ticket, body="x")
    assert ticket.events.count() == 1


def test_internal_note_is_not_public(acme, consultant):
    ticket = acme.ticket()
    note = ticket_add_note(actor=consultant, ticket=ticket, body="Customer's DBA is on holiday.")
    assert (note.kind, note.public) == (EventKind.INTERNAL_NOTE, False)


def test_priority_change_needs_a_reason_that_the_customer_sees(acme, consultant):
    ticket = acme.ticket()
    with pytest.raises(ValidationError) as error:
        ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="")
    assert set(error.value.field_errors) == {"reason"}
    ticket = ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="Checkout is down")
    assert ticket.priority == 1
    assert ticket.priority_reason == "Changed from P2 to P1 by Carla Consultant: Checkout is down"
    event = ticket.events.order_by("id").last()
    assert (event.public, event.body, event.data) == (
        True,
        "Checkout is down",
        {"field": "priority", "before": 2, "after": 1},
    )


def test_link_is_recorded_once_on_both_tickets(acme, consultant):
    first, second = acme.ticket(), acme.ticket()
    ticket_link(actor=consultant, ticket=first, other=second, kind=LinkKind.RELATED)
    with pytest.raises(ValidationError):
        ticket_link(actor=consultant, ticket=first, other=second, kind=LinkKind.RELATED)
    assert TicketLink.objects.count() == 1
    assert first.events.filter(kind=EventKind.LINKED, public=False).count() == 1
    assert second.events.filter(kind=EventKind.LINKED, public=False).count() == 1


def test_links_stay_within_one_customer(acme, nord, consultant):
    with pytest.raises(ValidationError):
        ticket_link(actor=consultant, ticket=acme.ticket(), other=nord.ticket(), kind=LinkKind.RELATED)
    with pytest.raises(ValidationError):
        ticket = acme.ticket()
        ticket_link(actor=consultant, ticket=ticket, other=ticket, kind=LinkKind.RELATED)


def test_merge_closes_the_duplicate_and_lets_its_requester_follow_the_survivor(acme, consultant):
    survivor = acme.ticket(title="Images missing")
    duplicate = acme.ticket(by=acme.admin, title="No pictures on the shop")
    ticket_merge(actor=consultant, duplicate=duplicate, into=survivor)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Status.CLOSED, survivor)
    told = duplicate.events.order_by("id").last()
    assert told.public and "duplicate of ACME-1" in told.body
    assert TicketWatcher.objects.filter(ticket=survivor, user=acme.admin).exists()
    assert TicketLink.objects.filter(source=duplicate, target=survivor, kind=LinkKind.DUPLICATE_OF).exists()
    merged = survivor.events.order_by("id").last()
    assert (merged.kind, merged.data["merged"]) == (EventKind.MERGED, "ACME-2")


def test_a_plain_requester_follows_the_survivor_after_a_merge(acme, consultant):
    colleague = factories.UserFactory()
    factories.MembershipFactory(user=colleague, organisation=acme.organisation)
    survivor = acme.ticket()
    duplicate = acme.ticket(by=colleague)
    with pytest.raises(NotFound):
        portal_ticket_get(actor=colleague, key=survivor.key)
    ticket_merge(actor=consultant, duplicate=duplicate, into=survivor)
    assert portal_ticket_get(actor=colleague, key=survivor.key) == survivor


def test_merge_refuses_finished_tickets(acme, consultant):
    survivor, duplicate = acme.ticket(), acme.ticket()
    ticket_transition(actor=consultant, ticket=survivor, to=Status.CANCELLED)
    with pytest.raises(InvalidTransition):
        ticket_merge(actor=consultant, duplicate=duplicate, into=survivor)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.NEW and duplicate.merged_into is None
