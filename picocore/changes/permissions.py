"""Who may read, plan and move changes: asked by the selectors to scope, by the services before they write and
by the pages to choose what to offer.

- A change is planned, edited and moved by the staff serving its organisation (`tenancy.scope.serves`:
  consultants through an operations team serving it; service managers and administrators always).
- The internal change advisory board (CAB) is the service managers (and administrators).
- The organisation's members whose role reads changes (`picocore.tenancy.roles.Capability.READ_CHANGES`: every
  role) read them in the portal; developers see none. Who decides a change for the customer is
  `picocore.changes.approvals`' to say (its approver contacts, members with the approver role among them).
"""

from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.roles import Capability
from picocore.tenancy.scope import reach, serves

PLANNERS = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)
CAB = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _signed_in(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def can_read(actor: User | None, organisation_id: int) -> bool:
    """See the organisation's changes: staff serving it, or a member of it."""
    if not _signed_in(actor):
        return False
    assert actor is not None
    if actor.staff_role:
        return serves(actor, organisation_id)
    return reach(actor).may(organisation_id, Capability.READ_CHANGES)


def can_read_as_staff(actor: User | None, organisation_id: int) -> bool:
    return _signed_in(actor) and actor is not None and actor.staff_role in PLANNERS and serves(actor, organisation_id)


def can_plan(actor: User | None, organisation_id: int) -> bool:
    """Create, edit, schedule and move the organisation's changes, confirm their components, write their review."""
    return can_read_as_staff(actor, organisation_id)


def can_plan_any(actor: User | None) -> bool:
    """Whether the actor plans changes at all (for some organisation they serve)."""
    return _signed_in(actor) and actor is not None and actor.staff_role in PLANNERS


def is_cab_member(actor: User | None) -> bool:
    """A member of the internal change advisory board: the service managers (and administrators)."""
    return _signed_in(actor) and actor is not None and actor.staff_role in CAB


def may_implement(user: User, organisation_id: int) -> bool:
    """Whether `user` may be named a change's implementer: staff who may plan it."""
    return can_plan(user, organisation_id)
