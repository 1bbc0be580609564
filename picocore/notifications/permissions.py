"""Who may hear of a ticket: the tenancy rules applied to notifications when one is written, listed, counted
and e-mailed, so that leaving an organisation or a team ends what a person hears at once.

A notification about a ticket is for the people who may see the ticket now (`picocore.tickets.permissions`):
its requester and watchers while they are members of its organisation, members who may see all of its
requests, and the staff who serve it. Work handed to development is for the members of the development teams
holding an item of the ticket, and for service managers and administrators (as
`picocore.development.selectors.development_items_for` decides). An on-call page is for whoever is on call:
the rota spans every customer, so any active member of operations staff may be paged, and sees the page
while they remain one. A notification without a ticket concerns its recipient alone.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from picocore.development.models import DevelopmentItem
from picocore.development.selectors import SEES_ALL, development_items_for
from picocore.notifications.models import Notification, NotificationKind
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Team, User
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import ticket_viewers_q, visible_tickets

# Kinds about a ticket's development work rather than the ticket itself.
DEVELOPMENT_KINDS = frozenset({NotificationKind.HAND_OFF})
# Kinds sent by the on-call rota, which is not tied to the teams serving a customer.
ON_CALL_KINDS = frozenset({NotificationKind.ON_CALL_PAGE})
OPERATIONS_STAFF = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def audience_q(*, ticket: Ticket, kind: str) -> Q:
    """The people who may hear of `ticket` in a notification of `kind`, as a condition on User."""
    if kind in ON_CALL_KINDS:
        return Q(is_active=True, staff_role__in=OPERATIONS_STAFF)
    if kind not in DEVELOPMENT_KINDS:
        return ticket_viewers_q(ticket)
    teams = DevelopmentItem.objects.filter(ticket_id=ticket.pk).values("team_id")
    members = Team.members.through.objects.filter(team_id__in=teams).values("user_id")
    team_roles = (StaffRole.DEVELOPER, StaffRole.CONSULTANT)
    return Q(is_active=True) & (Q(staff_role__in=SEES_ALL) | Q(staff_role__in=team_roles, pk__in=members))


def audience(users: list[User], *, ticket: Ticket, kind: str) -> list[User]:
    """Those of `users` who may hear of the ticket, in their order: one query however many they are."""
    if not users:
        return []
    allowed = set(
        User.objects.filter(pk__in=[u.pk for u in users])
        .filter(audience_q(ticket=ticket, kind=kind))
        .values_list("pk", flat=True)
    )
    return [u for u in users if u.pk in allowed]


def may_hear_of(user: User | None, *, ticket: Ticket, kind: str) -> bool:
    """Whether `user` may still be told of the ticket (e.g. by an e-mail written before they left)."""
    if user is None:
        return False
    return User.objects.filter(pk=user.pk).filter(audience_q(ticket=ticket, kind=kind)).exists()


def visible_notifications(actor: User) -> QuerySet[Notification]:
    """The actor's notifications they may still see: those without a ticket, and those about a ticket they may
    see now (or its development work). Subqueries only: no query of its own.

    The ticket conditions are correlated (EXISTS for the notification's own ticket, found by its primary key),
    so their cost follows the person's notifications, never the number of tickets: an uncorrelated
    `ticket IN (every visible ticket)` made PostgreSQL read all 100,000 tickets for the unread count in the
    header of every page."""
    special = DEVELOPMENT_KINDS | ON_CALL_KINDS
    ticket_visible = Exists(visible_tickets(actor).filter(pk=OuterRef("ticket_id")))
    development_visible = Exists(development_items_for(actor=actor).filter(ticket_id=OuterRef("ticket_id")))
    about_ticket = ~Q(kind__in=special) & ticket_visible
    about_development = Q(kind__in=DEVELOPMENT_KINDS) & development_visible
    visible = Q(ticket__isnull=True) | about_ticket | about_development
    if actor.is_active and actor.staff_role in OPERATIONS_STAFF:
        visible |= Q(kind__in=ON_CALL_KINDS)
    return Notification.objects.filter(user=actor).filter(visible)
