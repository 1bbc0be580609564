"""Who may read and work problems and proposals, and which customers see a known issue: asked by the selectors to
scope, by the services before they write and by the pages to choose what to offer.

- Problems are the service team's: consultants, service managers and administrators. Customers never see a
  problem (only its known issue); developers see none.
- A problem spans customers. A consultant sees a problem that affects a customer they serve, or one that affects
  no customer yet; of a problem they see, only the incidents, components and customers of organisations they
  serve (`tenancy.scope.serves`). Service managers and administrators see every problem and all of it.
- Linking an incident or a component needs serving its organisation; publishing the workaround or resolving
  incidents needs serving every organisation it reaches (the tickets' own services check each one again).
- Recurring-incident proposals are decided by the service managers (and administrators).
- A known issue is shown to the members of the customers the problem affects (its `AffectedCustomer` rows).
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from picocore.problems.models import AffectedCustomer, Problem
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.scope import STAFF_SEEING_ALL, reach, serves

PROBLEM_STAFF = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)
DECIDERS = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _signed_in(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def works_on_problems(actor: User | None) -> bool:
    """Whether the actor works problems at all (the desk's problem pages)."""
    return _signed_in(actor) and actor is not None and actor.staff_role in PROBLEM_STAFF


def sees_every_customer(actor: User | None) -> bool:
    return _signed_in(actor) and actor is not None and actor.staff_role in STAFF_SEEING_ALL


def may_decide_proposals(actor: User | None) -> bool:
    """Accept or dismiss a recurring-incident proposal (and see the proposals)."""
    return _signed_in(actor) and actor is not None and actor.staff_role in DECIDERS


def served_ids(actor: User) -> frozenset[int] | None:
    """The organisations whose part of a problem the actor sees; None for all of them."""
    if sees_every_customer(actor):
        return None
    return reach(actor).served or frozenset() if works_on_problems(actor) else frozenset()


def visible_problems(actor: User | None, problems: QuerySet[Problem] | None = None) -> QuerySet[Problem]:
    """The problems the actor may see (as the module says); none for anyone outside the service team."""
    problems = problems if problems is not None else Problem.objects.all()
    if actor is None or not works_on_problems(actor):
        return problems.none()
    served = served_ids(actor)
    if served is None:
        return problems
    customers = AffectedCustomer.objects.filter(problem=OuterRef("pk"))
    return problems.filter(Exists(customers.filter(organisation_id__in=sorted(served))) | ~Exists(customers))


def can_see(actor: User | None, organisation_ids: Iterable[int]) -> bool:
    """See a problem affecting `organisation_ids` (its affected customers)."""
    if actor is None or not works_on_problems(actor):
        return False
    served = served_ids(actor)
    ids = set(organisation_ids)
    return served is None or not ids or bool(ids & served)


def can_work(actor: User | None, organisation_ids: Iterable[int]) -> bool:
    """Edit, move and link a problem the actor sees: the same people (what they may touch of each customer's
    data is asked per row, `can_touch`)."""
    return can_see(actor, organisation_ids)


def can_touch(actor: User | None, organisation_id: int) -> bool:
    """Link or unlink an incident or component of the organisation, reply on or resolve its incident."""
    return actor is not None and works_on_problems(actor) and serves(actor, organisation_id)


def can_touch_all(actor: User | None, organisation_ids: Iterable[int]) -> bool:
    return all(can_touch(actor, pk) for pk in set(organisation_ids))


def scoped(actor: User, field: str = "organisation_id") -> Q:
    """The rows of a problem's customer data (incident links, components, customers) the actor sees."""
    served = served_ids(actor)
    return Q() if served is None else Q(**{f"{field}__in": sorted(served)})
