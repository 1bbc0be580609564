import threading

import pytest
from django.db import IntegrityError, connection, transaction

from picocore.catalog.choices import TicketType
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.development.choices import Milestone
from picocore.development.models import DevelopmentItem
from picocore.development.selectors import development_item_get, development_items_for
from picocore.development.services import development_hand_off, development_item_move
from picocore.development.states import NEXT_MILESTONES, allowed_moves
from picocore.notifications.models import Notification, NotificationKind
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import Team
from picocore.tickets.choices import EventKind
from picocore.tickets.models import Ticket
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
    with pytest.raises(NotFound):  # developers never see operational tickets
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


def test_a_repeated_hand_off_returns_the_first_item_and_records_nothing_more(
    change_request, consultant, development_team, developer
):
    first = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief="Attribute.")
    again = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief="Attribute.")
    assert again.pk == first.pk
    assert DevelopmentItem.objects.count() == 1
    assert change_request.events.filter(kind=EventKind.DEVELOPMENT).count() == 1
    assert Notification.objects.filter(user=developer).count() == 1
    assert OutboxEmail.objects.filter(recipient=developer).count() == 1


def test_the_database_refuses_a_second_unfinished_item_for_one_ticket_and_team(
    change_request, consultant, development_team
):
    item = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief="x")
    duplicate = {"organisation_id": item.organisation_id, "ticket": change_request, "team": development_team}
    with pytest.raises(IntegrityError), transaction.atomic():
        DevelopmentItem.objects.create(**duplicate, title="t", brief="b", handed_over_by=consultant)
    assert DevelopmentItem.objects.count() == 1


def test_released_work_may_be_followed_by_a_new_hand_off(change_request, consultant, development_team, developer):
    first = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief="Phase one.")
    development_item_move(actor=developer, item=first, milestone=Milestone.RELEASED)
    second = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief="Phase two.")
    assert second.pk != first.pk
    assert list(DevelopmentItem.objects.order_by("id").values_list("brief", "milestone")) == [
        ("Phase one.", Milestone.RELEASED),
        ("Phase two.", Milestone.HANDED_OVER),
    ]


def test_the_developer_is_sent_to_the_item_with_the_brief(
    client, change_request, consultant, development_team, developer, settings
):
    settings.PICOCORE_BASE_URL = "https://desk.example"
    brief = "Add an allergens attribute to every food product."
    item = development_hand_off(actor=consultant, ticket=change_request, team=development_team, brief=brief)
    page = f"/desk/development/{item.pk}/"
    notice = Notification.objects.get(user=developer)
    assert (notice.kind, notice.title, notice.body, notice.link) == (
        NotificationKind.HAND_OFF,
        "Handed to Platform development: Add allergens attribute",
        brief,
        page,
    )
    email = OutboxEmail.objects.get(recipient=developer)
    assert brief in email.body_text and brief in email.body_html
    assert f"https://desk.example{page}" in email.body_text
    assert f'href="https://desk.example{page}"' in email.body_html
    assert f"/desk/tickets/{change_request.key}/" not in email.body_text + email.body_html
    client.force_login(developer)
    assert client.get(page).status_code == 200
    assert client.get(f"/desk/tickets/{change_request.key}/").status_code == 404
    listed = client.get("/notifications/").content.decode()
    assert f'<a href="{page}">{change_request.key}</a>' in listed
    assert f"/desk/tickets/{change_request.key}/" not in listed


def test_the_state_table_allows_forward_moves_only():
    assert allowed_moves(Milestone.HANDED_OVER) == (
        Milestone.ACCEPTED,
        Milestone.IN_PROGRESS,
        Milestone.READY_FOR_RELEASE,
        Milestone.RELEASED,
    )
    assert allowed_moves(Milestone.READY_FOR_RELEASE) == (Milestone.RELEASED,)
    assert allowed_moves(Milestone.RELEASED) == ()
    order = list(Milestone)
    for current, moves in NEXT_MILESTONES.items():
        assert all(order.index(move) > order.index(current) for move in moves)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_hand_offs_make_one_item(
    change_request, consultant, operations_team, development_team, developer
):
    colleague = factories.StaffFactory(full_name="Cem Colleague", staff_role=StaffRole.CONSULTANT)
    operations_team.members.add(colleague)
    start = threading.Barrier(2)
    results: list[int | BaseException] = []

    def hand_off(actor) -> None:
        try:
            ticket = Ticket.objects.get(pk=change_request.pk)  # on this thread's own connection
            team = Team.objects.get(pk=development_team.pk)
            start.wait()
            results.append(development_hand_off(actor=actor, ticket=ticket, team=team, brief="Attribute.").pk)
        except BaseException as error:  # reported to the main thread below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_off, args=(actor,)) for actor in (consultant, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    item = DevelopmentItem.objects.get()
    assert results == [item.pk, item.pk]
    assert change_request.events.filter(kind=EventKind.DEVELOPMENT).count() == 1
    assert Notification.objects.filter(user=developer, kind=NotificationKind.HAND_OFF).count() == 1
    assert OutboxEmail.objects.filter(recipient=developer).count() == 1
