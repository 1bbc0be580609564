"""What the desk's lists name: customers, their solutions, the teams with their members and the customers they
serve, and the people of staff, read once per process while the reference token is unchanged
(`picocore.core.reference`). A queue page's filter lists, its bulk form and its "share with" list come from
here, without a query of their own.

Guarantees:

- Every list is in the order the database gives (names compared by its collation, ties by id), as the queries
  these lists replace ordered them.
- A change to an organisation, a solution, a team (its members and the organisations it serves included) or a
  user moves the token (they are tracked models), so the next page shows it.
- The values are shared between requests and threads and never changed: tuples and frozen dataclasses.
- Who may see what is decided by the callers' arguments (the actor's reach, their role): this module only
  names things.
"""

from dataclasses import dataclass

from django.db.models import Q

from picocore.cmdb.models import Solution
from picocore.core import reference
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import Organisation, Team, User
from picocore.tenancy.scope import reach
from picocore.tickets.permissions import OPERATIONS_ROLES

# Who the queue's assignee filter offers: consultants and service managers of teams serving its customers.
ASSIGNEE_FILTER_ROLES = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER)


@dataclass(frozen=True)
class DirectoryTeam:
    pk: int
    name: str
    kind: str
    member_ids: frozenset[int]
    organisation_ids: frozenset[int]


@dataclass(frozen=True)
class DirectoryPerson:
    pk: int
    full_name: str
    staff_role: str
    is_active: bool


@dataclass(frozen=True)
class Directory:
    organisations: tuple[tuple[int, str], ...]  # (id, name), every organisation, by name
    solutions: tuple[tuple[int, int, str], ...]  # (id, organisation id, name), every solution, by name
    teams: tuple[DirectoryTeam, ...]  # every team, by name
    people: tuple[DirectoryPerson, ...]  # everyone with a staff role who belongs to a team, by full name


def _load() -> Directory:
    """Six small queries, whatever the number of tickets: organisations, solutions, teams, the teams' members
    and organisations, and the staff who belong to a team."""
    members: dict[int, set[int]] = {}
    for team_id, user_id in Team.members.through.objects.values_list("team_id", "user_id"):
        members.setdefault(team_id, set()).add(user_id)
    served: dict[int, set[int]] = {}
    for team_id, organisation_id in Team.organisations.through.objects.values_list("team_id", "organisation_id"):
        served.setdefault(team_id, set()).add(organisation_id)
    teams = tuple(
        DirectoryTeam(
            pk=pk,
            name=name,
            kind=kind,
            member_ids=frozenset(members.get(pk, ())),
            organisation_ids=frozenset(served.get(pk, ())),
        )
        for pk, name, kind in Team.objects.order_by("name", "pk").values_list("pk", "name", "kind")
    )
    staff = User.objects.filter(~Q(staff_role=""), teams__isnull=False).distinct().order_by("full_name", "pk")
    return Directory(
        organisations=tuple(Organisation.objects.order_by("name", "pk").values_list("pk", "name")),
        solutions=tuple(Solution.objects.order_by("name", "pk").values_list("pk", "organisation_id", "name")),
        teams=teams,
        people=tuple(
            DirectoryPerson(pk=pk, full_name=full_name, staff_role=role, is_active=active)
            for pk, full_name, role, active in staff.values_list("pk", "full_name", "staff_role", "is_active")
        ),
    )


def directory() -> Directory:
    """The desk's directory as of the current reference token: no query while it is unchanged."""
    return reference.cached("desk.directory", _load)


def served_organisation_ids(actor: User) -> frozenset[int] | None:
    """The organisations whose work the actor sees (None: every one), as
    `picocore.tenancy.scope.served_organisations` decides."""
    return reach(actor).served if actor.staff_role else frozenset()


def organisation_choices(actor: User) -> list[tuple[int, str]]:
    """(id, name) of the organisations the actor serves, by name."""
    served = served_organisation_ids(actor)
    return [(pk, name) for pk, name in directory().organisations if served is None or pk in served]


def solution_choices(organisation_ids: list[int], chosen: int | None) -> list[tuple[int, str]]:
    """(id, name) of the solutions of the given organisations, or of `chosen` only if it is one of them, by
    name."""
    among = set(organisation_ids) if chosen is None else set(organisation_ids) & {chosen}
    return [(pk, name) for pk, organisation_id, name in directory().solutions if organisation_id in among]


def assignee_filter_choices(organisation_ids: list[int]) -> list[tuple[int, str]]:
    """(id, full name) of the consultants and service managers in a team (of any kind) serving one of the given
    organisations, by name."""
    among = set(organisation_ids)
    found = directory()
    serving = set().union(*(t.member_ids for t in found.teams if t.organisation_ids & among))
    return [(p.pk, p.full_name) for p in found.people if p.pk in serving and p.staff_role in ASSIGNEE_FILTER_ROLES]


def own_operations_teams(actor: User) -> list[DirectoryTeam]:
    """The operations teams the actor belongs to, by name (those they may share a saved view with)."""
    return [t for t in directory().teams if t.kind == TeamKind.OPERATIONS and actor.pk in t.member_ids]


def bulk_teams(actor: User) -> list[DirectoryTeam]:
    """The operations teams a bulk assignment offers, as `picocore.tickets.permissions.actor_operations_teams`
    decides: the actor's own, or every operations team for a service manager or administrator in none."""
    own = own_operations_teams(actor)
    if own or actor.staff_role not in (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR):
        return own
    return [t for t in directory().teams if t.kind == TeamKind.OPERATIONS]


def bulk_people(teams: list[DirectoryTeam]) -> list[tuple[int, str]]:
    """(id, full name) of the people a bulk assignment within `teams` offers, as
    `picocore.tickets.permissions.bulk_assignable_users` decides: active operations staff of those teams."""
    members = set().union(*(t.member_ids for t in teams))
    return [
        (p.pk, p.full_name)
        for p in directory().people
        if p.pk in members and p.is_active and p.staff_role in OPERATIONS_ROLES
    ]


def assign_choices(organisation_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """What a ticket's assign form offers for a ticket of the organisation: (id, name) of the operations teams
    serving it, and (id, full name) of the people who may take it, as
    `picocore.tickets.permissions.assignable_users` decides: active operations staff of those teams. By name."""
    teams = [t for t in directory().teams if t.kind == TeamKind.OPERATIONS and organisation_id in t.organisation_ids]
    return [(t.pk, t.name) for t in teams], bulk_people(teams)


def development_team_choices(organisation_id: int) -> list[tuple[int, str]]:
    """(id, name) of the development teams serving the organisation, by name (a hand-off's choices)."""
    return [
        (t.pk, t.name)
        for t in directory().teams
        if t.kind == TeamKind.DEVELOPMENT and organisation_id in t.organisation_ids
    ]
