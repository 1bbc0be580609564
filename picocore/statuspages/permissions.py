"""Who may do what with status pages: asked by the selectors to scope, by the services before they write and by
the pages to choose what to offer.

- An organisation's page is read by its signed-in contacts (any role) and by the staff serving it (consultants
  through an operations team, service managers, administrators: a preview of what the customer sees). Anyone,
  signed in or not, reads it when the page is public, or with a valid signed link when it is shared by link.
  Everyone else — another organisation's contact, a developer, a stranger — is told it does not exist.
- The staff serving the organisation (not developers) manage the page: its visibility and link, its incidents
  and their updates, confirming a major outage, its subscribers.
- A contact subscribes an e-mail address; a customer admin also a webhook URL.
"""

from picocore.statuspages.choices import Visibility
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.roles import Capability
from picocore.tenancy.scope import reach, serves

MANAGERS = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _signed_in(actor: object) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def is_contact(actor: object, organisation_id: int) -> bool:
    """A signed-in member of the organisation, whatever their role (no query beyond the actor's reach)."""
    return isinstance(actor, User) and _signed_in(actor) and organisation_id in reach(actor).member_of


def can_manage(actor: object, organisation_id: int) -> bool:
    """Manage the organisation's status page on the desk: the staff serving it."""
    return (
        isinstance(actor, User)
        and _signed_in(actor)
        and actor.staff_role in MANAGERS
        and serves(actor, organisation_id)
    )


def can_view(actor: object, organisation_id: int, *, visibility: str, link_valid: bool) -> bool:
    """Read the organisation's status page: its contacts and the staff serving it always; anyone when public; anyone
    holding a valid signed link when it is shared by link."""
    if visibility == Visibility.PUBLIC:
        return True
    if visibility == Visibility.LINK and link_valid:
        return True
    return is_contact(actor, organisation_id) or can_manage(actor, organisation_id)


def can_subscribe_email(actor: object, organisation_id: int) -> bool:
    return is_contact(actor, organisation_id)


def can_subscribe_webhook(actor: object, organisation_id: int) -> bool:
    """A member whose role subscribes webhooks (a customer admin), or the staff serving it. No query beyond the
    actor's reach."""
    if can_manage(actor, organisation_id):
        return True
    if not isinstance(actor, User) or not is_contact(actor, organisation_id):
        return False
    return reach(actor).may(organisation_id, Capability.STATUS_WEBHOOK)
