"""Who may manage whom among a customer organisation's contacts: asked by the selectors to scope, by the
services before they write and by the pages to choose what to offer.

- An organisation's contacts (its memberships and its invitations) are managed by its customer admins, and only
  theirs: a customer admin of one organisation has no say over another's people, even over a person who belongs
  to both (their place in the other organisation is that organisation's business).
- A customer admin may change any member's role (their own too) to any organisation role, and remove any member,
  as long as the organisation keeps at least one customer admin (`keeps_an_admin`).
- Staff manage memberships in the administration, not here: this is the customer's own tool.
"""

from django.db.models import QuerySet

from picocore.members.models import Invitation
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, User
from picocore.tenancy.roles import Capability, may

# The role named when an organisation must keep someone who manages contacts (`roles.ROLES` decides who may).
MANAGING_ROLE = MembershipRole.CUSTOMER_ADMIN


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def role_manages_contacts(role: str) -> bool:
    """Whether a membership with this role manages the organisation's contacts (the roles table says)."""
    return may(role, Capability.MANAGE_MEMBERS)


def can_manage_contacts(actor: User, organisation_id: int, *, role: str | None = None) -> bool:
    """Whether the actor manages this organisation's contacts. `role` is the actor's membership role there when
    the caller knows it (the portal's current membership); otherwise it is read (one query)."""
    if not _signed_in(actor):
        return False
    if role is None:
        roles = Membership.objects.filter(user=actor, organisation_id=organisation_id).values_list("role", flat=True)
        role = next(iter(roles), None)
    return role is not None and role_manages_contacts(role)


def can_manage_member(actor: User, membership: Membership, *, actor_role: str | None = None) -> bool:
    """Change the role of, or remove, this membership: a contacts manager of its organisation."""
    return can_manage_contacts(actor, membership.organisation_id, role=actor_role)


def can_revoke(actor: User, invitation: Invitation, *, actor_role: str | None = None) -> bool:
    """Withdraw this invitation: a contacts manager of its organisation, while nobody has used it."""
    return invitation.is_open and can_manage_contacts(actor, invitation.organisation_id, role=actor_role)


def keeps_an_admin(*, admins: int, membership: Membership, new_role: str | None) -> bool:
    """Whether the organisation still has a contacts manager after `membership` gets `new_role` (None: removed),
    given that it has `admins` of them now."""
    if not role_manages_contacts(membership.role):
        return True
    if new_role is not None and role_manages_contacts(new_role):
        return True
    return admins > 1


def managed_memberships(actor: User, organisation_id: int) -> QuerySet[Membership]:
    """The memberships the actor manages in this organisation: all of them for its contacts managers, none
    otherwise."""
    if not can_manage_contacts(actor, organisation_id):
        return Membership.objects.none()
    return Membership.objects.filter(organisation_id=organisation_id)


def assignable_roles() -> list[tuple[str, str]]:
    """The roles a contacts manager may give: every organisation role there is."""
    return [(str(value), str(label)) for value, label in MembershipRole.choices]
