"""Who may log, change and read time, and manage a contract's hour bank: asked by the services before they
write and by the pages to choose what to offer.

- Time on a ticket is logged by the service team working on it (`tickets.permissions.can_work_on`), and by
  the developers of a development item of that ticket, against that item.
- An entry is changed by its author only, within the contract's edit window and while its month is open;
  after that, only a service manager's adjustment with a reason corrects it.
- A contract's bank (adjustments, closing a month) is managed by service managers and administrators.
- The hours are read by the staff serving the organisation, by its members whose role reads the hours
  (`picocore.tenancy.roles.Capability.HOURS`: customer admins, billing contacts), and by the other members whose
  role reads them by the contract's terms when those allow it (`HOURS_BY_TERMS`).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from picocore.development.models import DevelopmentItem
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.roles import Capability
from picocore.tenancy.scope import member_may, members_with, reach, serves
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import TicketAccess, ticket_access

MANAGERS = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_log_time(actor: User, ticket: Ticket, *, development_item: DevelopmentItem | None = None,
                 access: TicketAccess | None = None) -> bool:  # fmt: skip
    """Whether the actor may log time on the ticket (against `development_item` when given); `access` is the
    actor's access to the ticket when the caller has read it already."""
    if not _signed_in(actor):
        return False
    if development_item is not None:
        if development_item.ticket_id != ticket.pk:
            return False
        if actor.staff_role in MANAGERS or development_item.team.members.filter(pk=actor.pk).exists():
            return True
    if actor.staff_role not in (StaffRole.CONSULTANT, *MANAGERS):
        return False
    return (access if access is not None else ticket_access(actor, ticket)).works_on


def may_see_ticket_time(actor: User, ticket: Ticket) -> bool:
    """Whether the actor sees the ticket's time entries at all (as staff working on it, or as a reader of the
    organisation's hours)."""
    return _signed_in(actor) and (serves(actor, ticket.organisation_id) or bool(actor.staff_role in MANAGERS))


def can_change_entry(actor: User, *, author_id: int, created_at: dt.datetime, window_hours: int, month_open: bool,
                     at: dt.datetime) -> bool:  # fmt: skip
    return (
        _signed_in(actor)
        and actor.pk == author_id
        and month_open
        and at - created_at <= dt.timedelta(hours=window_hours)
    )


@dataclass(frozen=True)
class Editable:
    """Whether the actor may still change or delete an entry themselves, until when, and if not, why not."""

    allowed: bool
    until: dt.datetime | None
    reason: str


def entry_editability(actor: User, *, author_id: int, created_at: dt.datetime, window_hours: int, month_open: bool,
                      at: dt.datetime) -> Editable:  # fmt: skip
    """`can_change_entry` with its reason, for the pages: the author inside the window of an open month."""
    until = created_at + dt.timedelta(hours=window_hours)
    if can_change_entry(actor, author_id=author_id, created_at=created_at, window_hours=window_hours,
                        month_open=month_open, at=at):  # fmt: skip
        return Editable(True, until, "")
    if not month_open:
        reason = _("Its month is closed: a service manager corrects it with an adjustment in an open month.")
    elif actor.pk != author_id:
        reason = _("Only its author changes an entry; a service manager corrects it with an adjustment.")
    else:
        reason = _("Its edit window has passed: a service manager corrects it with an adjustment.")
    return Editable(False, until, reason)


def can_manage_bank(actor: User, organisation: Organisation) -> bool:
    return _signed_in(actor) and actor.staff_role in MANAGERS


@dataclass(frozen=True)
class HourReaders:
    """Where a customer contact reads hours: the organisations where their role reads all of them (`as_admin`:
    customer admins, billing contacts), and those where it reads them only when the contract's terms let
    requesters see the hours (`as_requester`)."""

    as_admin: frozenset[int]
    as_requester: frozenset[int]


def customer_hour_readers(actor: User) -> HourReaders:
    """`can_see_hours`'s roles for every organisation the actor belongs to. No query beyond the actor's reach."""
    if not _signed_in(actor) or actor.staff_role:
        return HourReaders(frozenset(), frozenset())
    reached = reach(actor)
    admin = reached.organisations_where(Capability.HOURS)
    return HourReaders(admin, reached.organisations_where(Capability.HOURS_BY_TERMS) - admin)


def can_see_hours(actor: User, organisation: Organisation, *, requesters_see: bool) -> bool:
    if not _signed_in(actor):
        return False
    if actor.staff_role:
        return serves(actor, organisation.pk)
    reached = reach(actor)
    return reached.may(organisation.pk, Capability.HOURS) or (
        requesters_see and reached.may(organisation.pk, Capability.HOURS_BY_TERMS)
    )


def reads_all_hours(actor: User, organisation_id: int) -> bool:
    """Whether the actor, as a member, reads every billable entry of the organisation (the tickets the bill is made
    of, whatever requests they see): customer admins and billing contacts. No query beyond the actor's reach."""
    return member_may(actor, organisation_id, Capability.HOURS)


def can_decide_overage(actor: User, organisation_id: int) -> bool:
    """Approve or decline work beyond the hours left: the organisation's customer admins and billing contacts."""
    return member_may(actor, organisation_id, Capability.DECIDE_OVERAGE)


def overage_deciders(organisation_id: int) -> QuerySet[User]:
    """Who is asked to approve work beyond the hours left (`can_decide_overage`)."""
    return members_with(organisation_id, Capability.DECIDE_OVERAGE)


def hour_readers(organisation_id: int) -> QuerySet[User]:
    """Who hears of the hour bank (its warnings): the members whose role reads all of the hours."""
    return members_with(organisation_id, Capability.HOURS)
