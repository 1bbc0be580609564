"""Who may read what the audit keeps about an organisation: asked by the selectors to scope and by the portal
to choose what to offer.

- An organisation's access log (which member of staff opened which of its requests, when) is read by the
  organisation's customer admins, and by nobody else in the portal: not its requesters, not the customer
  admins of another organisation.
- An opening is recorded for members of staff only: a customer reading their own request is no access to
  report.
"""

from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import reach


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_read_access_log(actor: User, organisation: Organisation, *, role: str) -> bool:
    """The portal's question, with the actor's membership role in the organisation already known: customer
    admins of the organisation (still members of it, as their reach says)."""
    return _signed_in(actor) and role == MembershipRole.CUSTOMER_ADMIN and organisation.pk in reach(actor).member_of


def access_is_recorded(actor: User) -> bool:
    """Whether opening a ticket as `actor` goes into its organisation's access log: members of staff."""
    return _signed_in(actor) and actor.is_service_staff
