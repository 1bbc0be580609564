import pytest

from picocore.catalog.choices import TicketType
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.development.choices import Milestone
from picocore.development.models import DevelopmentItem
from picocore.development.selectors import development_item_get, development_items_for
from picocore.development.services import development_hand_off, development_item_move
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tickets.choices import EventKind
from picocore.tickets.selectors import public_timeline
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def development_team(acme):
    team = factories.TeamFactory(name="Platform development", kind=TeamKind.DEVELOPMENT)
    team.organisations.add(acme.organisation)
    return team


@pytest.fixture
def developer(development_team):
    user = factories.StaffFactory(full_name="Dina Developer", staff_role=StaffRole.DEVELOPER)
    development_team.members.add(user)
    return user


@pytest.fixture
def change_request(acme):
    change = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST, name="Content model change")
    acme.organisation.contracts.get().tier.request_types.add(change)
    return acme.ticket(request_type=change, title="Add allergens attribute")


def test_hand_off_creates_a_linked_item_and_a_public_milestone(change_request, consultant, development_team):
    item = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief="New attribute.")
    assert (item.ticket, item.team, item.milestone, item.title) == (
        change_request,
        development_team,
        Milestone.HANDED_OVER,
        "Add allergens attribute",
    )
    change_request.refresh_from_db()
    assert change_request.assignee is None and change_request.team.kind == TeamKind.OPERATIONS
    seen = [e for e in public_timeline(change_request) if e.kind == EventKind.DEVELOPMENT]
    assert [(e.data["before"], e.data["after"]) for e in seen] == [(None, "handed_over")]
    assert "New attribute." not in [e.body for e in seen]  # the brief is internal


def test_incidents_never_go_to_development(acme, consultant, development_team):
    with pytest.raises(ValidationError) as error:
        development_hand_off(actor=consultant, ticket=acme.ticket(), team=development_team, brief="x")
    assert "incidents stay with operations" in error.value.field_errors["ticket"][0]
    assert DevelopmentItem.objects.count() == 0


def test_developers_cannot_hand_off_and_need_a_development_team(change_request, developer, consultant, operations_team):
    with pytest.raises(PermissionDenied):
        development_hand_off(actor=developer, ticket=change_request, team=developer.teams.get(), brief="x")
    with pytest.raises(ValidationError):
        development_hand_off(actor=consultant, ticket=change_request, team=operations_team, brief="x")


def test_milestones_move_forward_only_and_by_the_team(change_request, consultant, development_team, developer):
    item = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief="x")
    with pytest.raises(PermissionDenied):
        development_item_move(actor=consultant, item=item, milestone=Milestone.ACCEPTED)
    item = development_item_move(actor=developer, item=item, milestone=Milestone.ACCEPTED)
    item = development_item_move(actor=developer, item=item, milestone=Milestone.READY_FOR_RELEASE)
    with pytest.raises(InvalidTransition) as error:
        development_item_move(actor=developer, item=item, milestone=Milestone.IN_PROGRESS)
    assert error.value.allowed == (Milestone.RELEASED,)
    milestones = [
        e.data["after"] for e in change_request.events.filter(kind=EventKind.DEVELOPMENT, public=True).order_by("id")
    ]
    assert milestones == ["handed_over", "accepted", "ready_for_release"]


def test_developers_see_only_their_teams_items(change_request, consultant, development_team, developer):
    item = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief="x")
    other_developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    factories.TeamFactory(kind=TeamKind.DEVELOPMENT).members.add(other_developer)
    assert list(development_items_for(actor=developer)) == [item]
    assert list(development_items_for(actor=other_developer)) == []
    with pytest.raises(NotFound):
        development_item_get(actor=other_developer, item_id=item.pk)
