"""Who may see and change a customer's landscape: asked by the selectors to scope, by the services before they
write and by the pages to choose what to offer.

- The staff serving the organisation (`tenancy.scope.serves`: consultants through an operations team, service
  managers and administrators always) see it and change it. Developers never do.
- The organisation's own people (requesters and customer admins) see it read-only, in the portal.
"""

from django.db.models import Model, QuerySet

from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.scope import customer_restrict, reach, serves, staff_restrict

EDITORS = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_see_as_staff(actor: User, organisation_id: int) -> bool:
    """The desk's question: the staff serving the organisation (no query beyond the actor's reach)."""
    return _signed_in(actor) and actor.staff_role in EDITORS and serves(actor, organisation_id)


def can_edit(actor: User, organisation_id: int) -> bool:
    """Change the organisation's landscape (components, integrations, contacts, runbooks, imports): the staff
    serving it."""
    return can_see_as_staff(actor, organisation_id)


def can_see_as_customer(actor: User, organisation_id: int) -> bool:
    """The portal's question: a member of the organisation, whatever their role; read-only."""
    return _signed_in(actor) and organisation_id in reach(actor).member_of


def can_see(actor: User, organisation_id: int) -> bool:
    return can_see_as_staff(actor, organisation_id) or can_see_as_customer(actor, organisation_id)


def staff_landscape[M: Model](queryset: QuerySet[M], actor: User) -> QuerySet[M]:
    """The landscape rows of `queryset` the actor works on as staff (none for developers and customers)."""
    if not _signed_in(actor) or actor.staff_role not in EDITORS:
        return queryset.none()
    return staff_restrict(queryset, actor)


def customer_landscape[M: Model](queryset: QuerySet[M], actor: User) -> QuerySet[M]:
    """The landscape rows of `queryset` of the organisations the actor belongs to (every member sees them)."""
    return customer_restrict(queryset, actor)
