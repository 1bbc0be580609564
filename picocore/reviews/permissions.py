"""Who may read, write and send a monthly service review: asked by the selectors to scope, by the services
before they write and by the pages to choose what to offer.

- A review is read by the staff serving its organisation (`tenancy.scope.serves`: service managers and
  administrators always) and by the organisation's members whose role reads them
  (`picocore.tenancy.roles.Capability.REVIEWS`: customer admins, billing contacts). Other roles do not see them.
- While it is a draft, service managers and administrators write its summary and proposals and send it.
- Once sent it is frozen: nobody changes it.
"""

from django.db.models import QuerySet

from picocore.reviews.models import ServiceReview
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.roles import Capability, may
from picocore.tenancy.scope import members_with, reach, serves

MANAGERS = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_read_as_customer(actor: User, organisation: Organisation, *, role: str) -> bool:
    """The portal's question, with the actor's membership role in the organisation already known."""
    return _signed_in(actor) and may(role, Capability.REVIEWS) and organisation.pk in reach(actor).member_of


def review_readers(organisation_id: int) -> QuerySet[User]:
    """Who receives the organisation's reviews: its active members whose role reads them."""
    return members_with(organisation_id, Capability.REVIEWS)


def can_read_as_staff(actor: User, organisation_id: int) -> bool:
    return serves(actor, organisation_id)


def can_write(actor: User, review: ServiceReview) -> bool:
    """Write the summary and the proposals: service managers and administrators, while it is a draft."""
    return can_manage(actor) and review.is_draft and serves(actor, review.organisation_id)


def can_send(actor: User, review: ServiceReview) -> bool:
    return can_write(actor, review)


def can_manage(actor: User) -> bool:
    return _signed_in(actor) and actor.staff_role in MANAGERS
