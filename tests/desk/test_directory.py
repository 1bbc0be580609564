"""The desk's directory (picocore.desk.directory): the queue page's filter lists, its bulk form and its "share
with" list are read once per process, and a change to what they name shows on the next page view."""

import pytest
from django.urls import reverse

from picocore.cmdb.models import Solution
from picocore.desk import directory
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets.permissions import actor_operations_teams, assignable_users, bulk_assignable_users
from tests import factories
from tests.desk.conftest import DeskWorld

pytestmark = pytest.mark.django_db


def _queue(client, user: User) -> dict:
    """The team queue's context, as `user` sees it."""
    client.force_login(user)
    response = client.get(reverse("desk:queue", args=["team"]))
    assert response.status_code == 200
    return response.context


def _names(options_html: str) -> list[str]:
    return [part.split("</option>")[0] for part in str(options_html).split(">")[1:] if "</option>" in part]


def test_a_renamed_organisation_shows_on_the_next_page(client, world: DeskWorld):
    first = _queue(client, world.consultant)
    assert [name for _pk, name in first["organisations"]] == ["Acme Ltd", "Nord Ltd"]
    organisation = Organisation.objects.get(pk=world.nord.organisation.pk)
    organisation.name = "Aardvark Nord"
    organisation.save()

    second = _queue(client, world.consultant)
    assert [name for _pk, name in second["organisations"]] == ["Aardvark Nord", "Acme Ltd"]
    assert ">Aardvark Nord</option>" in str(second["organisation_options"])


def test_a_new_consultant_in_the_team_shows_in_the_filter_and_the_bulk_form(client, world: DeskWorld):
    before = _queue(client, world.consultant)
    assert "Bea Newcomer" not in str(before["consultant_options"])
    newcomer = factories.StaffFactory(full_name="Bea Newcomer", staff_role=StaffRole.CONSULTANT)
    world.operations.members.add(newcomer)

    after = _queue(client, world.consultant)
    assert ">Bea Newcomer</option>" in str(after["consultant_options"])
    assert ">Bea Newcomer</option>" in str(after["bulk_assignee_select"])


def test_a_changed_membership_shows_on_the_next_page(client, world: DeskWorld):
    """Carla joins the Nord desk: it is offered to share views with and in the bulk form; she leaves
    Operations: it no longer is, and neither are its other members."""
    before = _queue(client, world.consultant)
    assert [team.name for team in before["share_teams"]] == ["Operations"]
    world.nord_desk.members.add(world.consultant)

    joined = _queue(client, world.consultant)
    assert [team.name for team in joined["share_teams"]] == ["Nord desk", "Operations"]
    assert ">Nord desk</option>" in str(joined["bulk_team_select"])
    assert ">Otto Outsider</option>" in str(joined["bulk_assignee_select"])

    world.operations.members.remove(world.consultant)
    left = _queue(client, world.consultant)
    assert [team.name for team in left["share_teams"]] == ["Nord desk"]
    assert ">Operations</option>" not in str(left["bulk_team_select"])
    # Nord desk serves Nord only: ACME's customer and solutions are gone from the filters.
    assert [name for _pk, name in left["organisations"]] == ["Nord Ltd"]
    assert "ACME PIM" not in str(left["solution_options"])


def test_a_new_solution_shows_in_the_filter(client, world: DeskWorld):
    assert "ACME DAM" not in str(_queue(client, world.consultant)["solution_options"])
    Solution.objects.create(organisation=world.acme.organisation, name="ACME DAM", product="Pimcore", kind="dam")
    assert ">ACME DAM</option>" in str(_queue(client, world.consultant)["solution_options"])


def test_the_bulk_choices_are_those_the_permissions_decide(world: DeskWorld):
    """`bulk_teams` and `bulk_people` offer exactly what `actor_operations_teams` and `bulk_assignable_users`
    (which the bulk action itself checks against) return, for a consultant, a service manager in no team and one
    in a team, an administrator, and with an inactive member and a developer in an operations team."""
    inactive = factories.StaffFactory(full_name="Ivan Inactive", staff_role=StaffRole.CONSULTANT, is_active=False)
    developer_in_operations = factories.StaffFactory(full_name="Dev Ops", staff_role=StaffRole.DEVELOPER)
    world.operations.members.add(inactive, developer_in_operations)
    admin = factories.StaffFactory(full_name="Alma Admin", staff_role=StaffRole.ADMINISTRATOR)
    team_manager = factories.StaffFactory(full_name="Tea Manager", staff_role=StaffRole.SERVICE_MANAGER)
    world.nord_desk.members.add(team_manager)
    factories.TeamFactory(name="Empty", kind=TeamKind.OPERATIONS)

    for actor in (world.consultant, world.outsider, world.manager, team_manager, admin):
        teams = directory.bulk_teams(actor)
        expected_teams = list(actor_operations_teams(actor).order_by("name").values_list("pk", "name"))
        assert [(team.pk, team.name) for team in teams] == expected_teams, actor.full_name
        expected_people = list(bulk_assignable_users(actor).order_by("full_name").values_list("pk", "full_name"))
        assert directory.bulk_people(teams) == expected_people, actor.full_name
    assert "Ivan Inactive" not in [name for _pk, name in directory.bulk_people(directory.bulk_teams(world.consultant))]


def test_the_filter_lists_are_those_of_the_served_organisations(world: DeskWorld):
    """The customers, solutions and assignees a consultant's filters offer, as the queries they replace chose
    them: served organisations only; consultants and service managers of any team serving them."""
    acme, nord = world.acme.organisation.pk, world.nord.organisation.pk
    world.acme_development.members.add(world.manager)  # a service manager in a development team serving ACME
    assert directory.organisation_choices(world.outsider) == [(nord, "Nord Ltd")]
    assert [name for _pk, name in directory.organisation_choices(world.manager)] == list(
        Organisation.objects.order_by("name").values_list("name", flat=True)
    )
    assert directory.solution_choices([nord], None) == list(
        Solution.objects.filter(organisation=nord).order_by("name").values_list("pk", "name")
    )
    assert directory.solution_choices([nord], acme) == []  # a foreign customer chosen lists no solutions
    assert directory.assignee_filter_choices([nord]) == [
        (world.consultant.pk, "Carla Consultant"),
        (world.outsider.pk, "Otto Outsider"),
    ]
    assert directory.assignee_filter_choices([acme]) == [
        (world.consultant.pk, "Carla Consultant"),
        (world.manager.pk, "Mona Manager"),
    ]
    assert directory.assignee_filter_choices([]) == []


def test_the_ticket_page_s_choices_are_those_the_permissions_decide(world: DeskWorld):
    """A ticket's assign form offers the operations teams serving its customer and `assignable_users`; the
    hand-off form the development teams serving it: for either customer, with an inactive member, a developer in
    an operations team and a service manager in a development team."""
    inactive = factories.StaffFactory(full_name="Ivan Inactive", staff_role=StaffRole.CONSULTANT, is_active=False)
    developer_in_operations = factories.StaffFactory(full_name="Dev Ops", staff_role=StaffRole.DEVELOPER)
    world.operations.members.add(inactive, developer_in_operations)
    world.acme_development.members.add(world.manager)
    for organisation in (world.acme.organisation, world.nord.organisation):
        teams = Team.objects.filter(kind=TeamKind.OPERATIONS, organisations=organisation).order_by("name")
        people = assignable_users(organisation_id=organisation.pk).order_by("full_name")
        assert directory.assign_choices(organisation.pk) == (
            list(teams.values_list("pk", "name")),
            list(people.values_list("pk", "full_name")),
        )
        development = Team.objects.filter(kind=TeamKind.DEVELOPMENT, organisations=organisation).order_by("name")
        assert directory.development_team_choices(organisation.pk) == list(development.values_list("pk", "name"))


def test_a_new_consultant_shows_in_the_ticket_page_s_assign_form(client, world: DeskWorld):
    client.force_login(world.consultant)
    path = reverse("desk:ticket", args=[world.ticket.key])
    assert ">Bea Newcomer</option>" not in client.get(path).content.decode()
    world.operations.members.add(factories.StaffFactory(full_name="Bea Newcomer", staff_role=StaffRole.CONSULTANT))
    assert ">Bea Newcomer</option>" in client.get(path).content.decode()
