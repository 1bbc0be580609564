"""Who may do what to a ticket: one function per action, asked by the services before they write, by the desk
and the portal to choose which actions to offer, and by the notifications to choose who hears of a ticket.

Two ways in, both decided by `picocore.tenancy.scope`:

- a member of staff *works on* a ticket of an organisation they serve (a consultant of an operations team
  that serves it, a service manager, an administrator) and acts on it as the service team;
- anyone else who sees it in the portal (its requester, a watcher, or a member of its organisation who may see
  all of its requests or those shared) *follows* it and acts on it as a customer: replying, confirming or
  reopening its resolution, sharing it — when their role in its organisation lets them take part
  (`picocore.tenancy.roles`: a viewer only reads).

Developers work on development items only (`picocore.development`), never on tickets. Every `can_*` function
takes an optional `access` (from `ticket_access`, or known from the selector that just fetched the ticket
under the same scope); without it, access is read fresh from the database. Services call `authorize`, which
raises NotFound for a ticket the actor may not see and PermissionDenied for one they see but may not change.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Q, QuerySet
from django.utils.translation import gettext as _

from picocore.catalog.models import RequestType
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied
from picocore.tenancy.choices import RequestVisibility, StaffRole, TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User
from picocore.tenancy.roles import Capability, may
from picocore.tenancy.scope import customer_restrict, reach, restrict, serves, viewers_q
from picocore.tickets.choices import OPEN_STATUSES, Status
from picocore.tickets.models import CannedReply, SavedView, Ticket, TicketWatcher
from picocore.tickets.states import allowed_next

# What a customer may do to their own request's status (from resolved); everything else is the service team's.
CUSTOMER_TRANSITIONS = frozenset({(Status.RESOLVED, Status.CLOSED), (Status.RESOLVED, Status.IN_PROGRESS)})

NOT_FOUND = "There is no ticket with that key, or it is not yours to see."

# Default of `reopen_until`: look the reopen window up (None is a real answer: the ticket is not resolved).
_LOOK_UP: Any = object()


@dataclass(frozen=True)
class TicketAccess:
    """How one person reaches one ticket: as the service team working on it, or as a customer following it."""

    works_on: bool
    follows: bool

    @property
    def sees(self) -> bool:
        return self.works_on or self.follows


WORKS_ON = TicketAccess(works_on=True, follows=False)
FOLLOWS = TicketAccess(works_on=False, follows=True)
NO_ACCESS = TicketAccess(works_on=False, follows=False)


def visible_tickets(actor: User) -> QuerySet[Ticket]:
    """Which tickets the actor may see at all, in the desk or the portal."""
    return restrict(Ticket.objects.all(), actor)


def ticket_access(actor: User, ticket: Ticket) -> TicketAccess:
    """The actor's access to the ticket, read now (at most one query): what they may do follows from it."""
    if serves(actor, ticket.organisation_id):
        return WORKS_ON
    if customer_restrict(Ticket.objects.filter(pk=ticket.pk), actor).exists():
        return FOLLOWS
    return NO_ACCESS


def ticket_viewers_q(ticket: Ticket) -> Q:
    """The people who may see the ticket (a condition on User), by the same rules as `visible_tickets`."""
    followers = TicketWatcher.objects.filter(ticket_id=ticket.pk).values("user_id")
    return viewers_q(
        organisation_id=ticket.organisation_id,
        owners=Q(pk=ticket.requester_id) | Q(pk__in=followers),
        shared=ticket.shared,
    )


def _access(actor: User, ticket: Ticket, access: TicketAccess | None) -> TicketAccess:
    return access if access is not None else ticket_access(actor, ticket)


def can_see(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    return _access(actor, ticket, access).sees


def takes_part(actor: User, ticket: Ticket) -> bool:
    """Whether the actor's role in the ticket's organisation lets them act on the requests they see there (reply,
    confirm, reopen, rate, share), not only read them. No query beyond the actor's reach."""
    return reach(actor).may(ticket.organisation_id, Capability.TAKE_PART)


def can_reply(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    """A public reply: the team working on it, or a customer following it who takes part in its requests."""
    reached = _access(actor, ticket, access)
    return reached.works_on or (reached.follows and takes_part(actor, ticket))


def can_share(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    """Share the request with its organisation, or stop sharing it, where the organisation shows its requesters
    their own and shared requests: its requester (when their role takes part), or a customer admin of its
    organisation (who answers for all of its requests). The service team does not decide it for the customer."""
    # Access first: the desk's staff (who do not follow) never read the organisation for it.
    if not _access(actor, ticket, access).follows:
        return False
    if ticket.organisation.request_visibility != RequestVisibility.OWN_AND_SHARED:
        return False
    reached = reach(actor)
    if reached.may(ticket.organisation_id, Capability.ANSWER_FOR_REQUESTS):
        return True
    return ticket.requester_id == actor.pk and reached.may(ticket.organisation_id, Capability.TAKE_PART)


def can_add_note(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    """Internal notes are the service team's."""
    return _access(actor, ticket, access).works_on


def _reopen_window_open(ticket: Ticket, reopen_until: Any) -> bool:
    if ticket.status != Status.RESOLVED:
        return True  # not resolved: the lifecycle, not the window, decides
    if reopen_until is _LOOK_UP:
        # Imported here: the services import this module.
        from picocore.tickets.services.lifecycle import reopen_deadline

        reopen_until = reopen_deadline(ticket)
    return reopen_until is None or now() <= reopen_until


def can_transition(
    actor: User,
    ticket: Ticket,
    to_status: str,
    *,
    access: TicketAccess | None = None,
    reopen_until: Any = _LOOK_UP,
) -> bool:
    """Whether the actor may move the ticket to `to_status`, as far as who they are goes (whether the lifecycle
    allows the move from the current status is `picocore.tickets.states`'s to say). The team working on it may
    make any move; a customer following it may confirm a resolution, or reopen it within the reopen window
    (`reopen_until`, looked up unless given)."""
    reached = _access(actor, ticket, access)
    if reached.works_on:
        return True
    if not reached.follows or not takes_part(actor, ticket):
        return False
    target = Status(to_status)
    if (Status.RESOLVED, target) not in CUSTOMER_TRANSITIONS:
        return False
    return target != Status.IN_PROGRESS or _reopen_window_open(ticket, reopen_until)


def can_confirm_resolution(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    return can_transition(actor, ticket, Status.CLOSED, access=access)


def can_reopen(
    actor: User, ticket: Ticket, *, access: TicketAccess | None = None, reopen_until: Any = _LOOK_UP
) -> bool:
    return can_transition(actor, ticket, Status.IN_PROGRESS, access=access, reopen_until=reopen_until)


def can_assign(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    return _access(actor, ticket, access).works_on


def can_take(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    """Taking needs an operations team of one's own that serves the customer (managers too)."""
    if not _access(actor, ticket, access).works_on:
        return False
    if actor.staff_role == StaffRole.CONSULTANT:
        return True  # a consultant works on a ticket only through such a team
    return Team.objects.filter(kind=TeamKind.OPERATIONS, members=actor, organisations=ticket.organisation_id).exists()


# Who may own tickets: the desk's people. A developer works on development items only, even as a member of an
# operations team.
OPERATIONS_ROLES = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def assignable_users(*, organisation_id: int, team: Team | None = None) -> QuerySet[User]:
    """Which people may take a ticket of the organisation: active consultants, service managers and
    administrators who are members of an operations team serving it (of `team` only, when given)."""
    teams = Team.objects.filter(kind=TeamKind.OPERATIONS, organisations=organisation_id)
    if team is not None:
        teams = teams.filter(pk=team.pk)
    return User.objects.filter(is_active=True, staff_role__in=OPERATIONS_ROLES, teams__in=teams).distinct()


def may_be_assigned(user: User, ticket: Ticket, *, team: Team | None = None) -> bool:
    """Whether `user` may own the ticket (for `team`, when given): see `assignable_users`."""
    return assignable_users(organisation_id=ticket.organisation_id, team=team).filter(pk=user.pk).exists()


def actor_operations_teams(actor: User) -> QuerySet[Team]:
    """The operations teams the actor assigns within when acting on many tickets at once: their own, or every
    operations team for a service manager or administrator who belongs to none."""
    operations = Team.objects.filter(kind=TeamKind.OPERATIONS)
    own = Q(members=actor)
    if actor.staff_role in (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR):
        # One lazy query: the own teams, or all of them when there are none of one's own.
        own |= Q(~Exists(Team.objects.filter(kind=TeamKind.OPERATIONS, members=actor)))
    return operations.filter(own).distinct()


def bulk_assignable_users(actor: User) -> QuerySet[User]:
    """Which people a bulk assignment offers: active operations staff of the actor's operations teams (each
    ticket is still checked by `ticket_assign` against the teams serving its customer)."""
    return User.objects.filter(
        is_active=True, staff_role__in=OPERATIONS_ROLES, teams__in=actor_operations_teams(actor)
    ).distinct()


def can_set_next_step(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    return _access(actor, ticket, access).works_on


def can_change_priority(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    return _access(actor, ticket, access).works_on


def can_link(actor: User, ticket: Ticket, other: Ticket | None = None, *, access: TicketAccess | None = None) -> bool:
    """Linking is the team's, on two tickets it works on (`other` unknown yet: whether links may be offered)."""
    if not _access(actor, ticket, access).works_on:
        return False
    return other is None or ticket_access(actor, other).works_on


def can_merge(actor: User, ticket: Ticket, into: Ticket | None = None, *, access: TicketAccess | None = None) -> bool:
    return can_link(actor, ticket, into, access=access)


def can_hand_off(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    """Handing change work to development is operations' (the team working on the ticket)."""
    return _access(actor, ticket, access).works_on


def can_confirm_impact(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    """Confirming which landscape components a ticket affects is the work of the team working on it."""
    return _access(actor, ticket, access).works_on


def may_file_in(
    actor: User, organisation: Organisation, *, requester: User | None = None, membership: Membership | None = None
) -> bool:
    """Whether the actor may file a request in the organisation for `requester` (default: themselves): a
    member whose role submits requests (`picocore.tenancy.roles`: not a viewer) for themselves, or the service
    team serving it for any such member. `membership` is the requester's membership the caller read in this
    request (the portal's current one), so it is not read again; any other is ignored."""
    requester = requester or actor
    known = (
        membership is not None
        and membership.pk is not None
        and membership.user_id == requester.pk
        and membership.organisation_id == organisation.pk
    )
    if known:
        assert membership is not None
        role: str | None = membership.role
    else:
        role = (
            Membership.objects.filter(user=requester, organisation=organisation).values_list("role", flat=True).first()
        )
    if not may(role, Capability.SUBMIT):
        return False
    return (actor.pk == requester.pk and actor.is_active) or serves(actor, organisation.pk)


def may_submit(membership: Membership) -> bool:
    """Whether the membership's role files requests (the portal's catalogue and forms): no query."""
    return membership.may(Capability.SUBMIT)


def can_create_in(
    actor: User, organisation: Organisation, request_type: RequestType, *, requester: User | None = None
) -> bool:
    """Whether the actor may file a request of this type in the organisation: `may_file_in`, and the type is
    part of the organisation's subscription today."""
    from picocore.catalog.selectors import offered_request_types

    return (
        may_file_in(actor, organisation, requester=requester)
        and offered_request_types(organisation=organisation).filter(pk=request_type.pk).exists()
    )


def authorize(actor: User, ticket: Ticket, permission: Callable[..., bool], message: str, *args: Any) -> TicketAccess:
    """Raise NotFound when the actor may not see the ticket (the same answer as for a missing one), and
    PermissionDenied(message) when they see it but `permission` refuses; the access otherwise."""
    access = ticket_access(actor, ticket)
    if not access.sees:
        raise NotFound(_(NOT_FOUND))
    if not permission(actor, ticket, *args, access=access):
        raise PermissionDenied(message)
    return access


def ticket_actions(
    actor: User, ticket: Ticket, *, access: TicketAccess, reopen_until: Any = _LOOK_UP
) -> dict[str, Any]:
    """What a ticket page offers the actor now: each permission above, combined with the ticket's state (no
    query for a consultant, a customer or a manager who does not take it)."""
    finished = ticket.status in (Status.CLOSED, Status.CANCELLED)
    resolved = ticket.status == Status.RESOLVED
    works_on = access.works_on
    return {
        "reply": not finished and can_reply(actor, ticket, access=access),
        "note": can_add_note(actor, ticket, access=access),
        "statuses": [s for s in allowed_next(ticket.status) if can_transition(actor, ticket, s, access=access)]
        if works_on
        else [],
        "take": ticket.is_open and ticket.assignee_id != actor.pk and can_take(actor, ticket, access=access),
        "assign": can_assign(actor, ticket, access=access),
        "next_step": can_set_next_step(actor, ticket, access=access),
        "priority": can_change_priority(actor, ticket, access=access),
        "link": can_link(actor, ticket, access=access),
        "merge": (ticket.status in OPEN_STATUSES or resolved) and can_merge(actor, ticket, access=access),
        "hand_off": can_hand_off(actor, ticket, access=access),
        "impact": can_confirm_impact(actor, ticket, access=access),
        "confirm": resolved and can_confirm_resolution(actor, ticket, access=access),
        "reopen": resolved and can_reopen(actor, ticket, access=access, reopen_until=reopen_until),
        "share": can_share(actor, ticket, access=access),
    }


_DESK_ROLES = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def saved_views_q(actor: User) -> Q:
    """The saved views the actor sees in the desk's sidebar: their own and those shared with an operations
    team they belong to."""
    return Q(owner=actor) | Q(team__in=Team.objects.filter(members=actor, kind=TeamKind.OPERATIONS))


def saved_views_reachable_q(actor: User) -> Q:
    """The saved views the actor may open or manage: those of `saved_views_q`, and for service managers and
    administrators every shared one (they may tidy up any team's views; nobody else's personal ones)."""
    if actor.staff_role in (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR):
        return saved_views_q(actor) | Q(team__isnull=False)
    return saved_views_q(actor)


def can_save_view(actor: User, team: Team | None = None) -> bool:
    """Anyone who works tickets on the desk saves views for themselves; shared only with an operations team
    they belong to."""
    if not (actor.is_authenticated and actor.is_active and actor.staff_role in _DESK_ROLES):
        return False
    return team is None or Team.objects.filter(pk=team.pk, members=actor, kind=TeamKind.OPERATIONS).exists()


def can_change_saved_view(actor: User, view: SavedView) -> bool:
    """Renaming and deleting: the owner; a shared view also a service manager or administrator."""
    if not (actor.is_authenticated and actor.is_active and actor.staff_role in _DESK_ROLES):
        return False
    if view.owner_id == actor.pk:
        return True
    return view.team_id is not None and actor.staff_role in (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


_MANAGING_ROLES = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def may_use_canned_replies(actor: User) -> bool:
    """Canned replies are for the people who work tickets on the desk (not developers, not customers)."""
    return bool(actor.is_authenticated and actor.is_active and actor.staff_role in _DESK_ROLES)


_works_the_desk = may_use_canned_replies


def canned_replies_q(actor: User) -> Q:
    """The canned replies the actor uses on a ticket: their own personal ones, those shared with everyone on
    the desk, and those shared with an operations team they belong to. Never another person's personal ones."""
    own_teams = Team.objects.filter(members=actor, kind=TeamKind.OPERATIONS)
    return Q(owner=actor) | Q(owner__isnull=True, team__isnull=True) | Q(owner__isnull=True, team__in=own_teams)


def canned_replies_reachable_q(actor: User) -> Q:
    """The canned replies the actor may open to manage: those of `canned_replies_q`, and for service managers
    and administrators every shared one (they look after all teams' replies; nobody else's personal ones)."""
    if actor.staff_role in _MANAGING_ROLES:
        return Q(owner=actor) | Q(owner__isnull=True)
    return canned_replies_q(actor)


def can_manage_shared_canned_replies(actor: User) -> bool:
    """Shared canned replies (for everyone, or for a team) are written and changed by service managers and
    administrators."""
    return _works_the_desk(actor) and actor.staff_role in _MANAGING_ROLES


def can_create_canned_reply(actor: User, *, shared: bool, team: Team | None = None) -> bool:
    """Anyone who works tickets on the desk keeps personal canned replies; shared ones (with everyone, or with
    an operations team) are a service manager's."""
    if not _works_the_desk(actor):
        return False
    if not shared:
        return team is None
    return can_manage_shared_canned_replies(actor) and (team is None or team.kind == TeamKind.OPERATIONS)


def can_change_canned_reply(actor: User, reply: CannedReply) -> bool:
    """Editing and deleting: a personal reply by its owner only; a shared one by a service manager or
    administrator."""
    if not _works_the_desk(actor):
        return False
    if reply.owner_id is not None:
        return reply.owner_id == actor.pk
    return can_manage_shared_canned_replies(actor)
