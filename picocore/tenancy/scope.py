"""The one place that decides which customer-owned rows a person may see.

Every selector that reads customer data passes its queryset through `restrict`. A model declares where its
organisation is (`tenancy_organisation_field`, default `organisation`) and, when plain requesters may see
only their own rows, who owns a row (`tenancy_owner_field`) and optionally which rows a person follows
without owning them (`tenancy_followed_q(user)`). The filter is built from subqueries, so it adds
no query of its own and its cost does not grow with the number of memberships.
"""

from django.db.models import Model, Q, QuerySet

from picocore.tenancy.choices import MembershipRole, StaffRole, TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User

STAFF_SEEING_ALL = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _organisation_field(model: type[Model]) -> str:
    return getattr(model, "tenancy_organisation_field", "organisation")


def customer_q(user: User, model: type[Model]) -> Q:
    """Rows the user may see as a contact of the organisations they belong to."""
    org_field = _organisation_field(model)
    owner_field = getattr(model, "tenancy_owner_field", None)
    memberships = Membership.objects.filter(user=user)
    member_of = memberships.values("organisation_id")
    if owner_field is None:
        return Q(**{f"{org_field}__in": member_of})
    sees_all_of = memberships.filter(
        Q(role=MembershipRole.CUSTOMER_ADMIN) | Q(organisation__requesters_see_all=True)
    ).values("organisation_id")
    own = Q(**{owner_field: user})
    if followed := getattr(model, "tenancy_followed_q", None):
        own |= followed(user)
    return Q(**{f"{org_field}__in": sees_all_of}) | (own & Q(**{f"{org_field}__in": member_of}))


def served_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose operational work this member of staff may see."""
    if user.staff_role in STAFF_SEEING_ALL:
        return Organisation.objects.all()
    if user.staff_role == StaffRole.CONSULTANT:
        return Organisation.objects.filter(
            teams__in=Team.objects.filter(members=user, kind=TeamKind.OPERATIONS)
        ).distinct()
    return Organisation.objects.none()


def staff_q(user: User, model: type[Model]) -> Q | None:
    """Rows the user may see as a member of staff; None when they may see none that way."""
    if user.staff_role in STAFF_SEEING_ALL:
        return Q()
    if user.staff_role == StaffRole.CONSULTANT:
        served = Team.objects.filter(members=user, kind=TeamKind.OPERATIONS).values("organisations")
        return Q(**{f"{_organisation_field(model)}__in": served})
    return None


def restrict[M: Model](queryset: QuerySet[M], user: User) -> QuerySet[M]:
    """The rows of `queryset` that `user` may see: none for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    condition = customer_q(user, queryset.model)
    staff_condition = staff_q(user, queryset.model)
    if staff_condition is not None:
        if not staff_condition:  # sees everything
            return queryset
        condition |= staff_condition
    return queryset.filter(condition)


def customer_restrict[M: Model](queryset: QuerySet[M], user: User) -> QuerySet[M]:
    """Like `restrict`, but only through the user's customer memberships: what the portal shows."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    return queryset.filter(customer_q(user, queryset.model))
