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


def serves(user: User, organisation_id: int) -> bool:
    """Whether this member of staff may work the organisation's operational tickets (the rows `staff_q` lets
    them see): service managers and administrators always, consultants through an operations team serving it.
    One query for a consultant, none for anyone else."""
    if not _signed_in(user) or not user.staff_role:
        return False
    if user.staff_role in STAFF_SEEING_ALL:
        return True
    if user.staff_role == StaffRole.CONSULTANT:
        return Team.objects.filter(members=user, kind=TeamKind.OPERATIONS, organisations=organisation_id).exists()
    return False


def viewers_q(*, organisation_id: int, owners: Q | None) -> Q:
    """The people who may see a row of `organisation_id`, as a condition on User: the inverse of `restrict`,
    so that "who hears of this row?" is answered by the same rules as "which rows does this person see?".

    `owners` is a condition on User naming the row's owner and the people who follow it (for models with a
    `tenancy_owner_field`), or None for rows every member of the organisation sees.
    """
    members = Membership.objects.filter(organisation_id=organisation_id)
    if owners is None:
        as_customer = Q(pk__in=members.values("user_id"))
    else:
        sees_all = members.filter(Q(role=MembershipRole.CUSTOMER_ADMIN) | Q(organisation__requesters_see_all=True))
        as_customer = Q(pk__in=sees_all.values("user_id")) | (owners & Q(pk__in=members.values("user_id")))
    serving = Team.objects.filter(kind=TeamKind.OPERATIONS, organisations=organisation_id).values("members")
    as_staff = Q(staff_role__in=STAFF_SEEING_ALL) | Q(staff_role=StaffRole.CONSULTANT, pk__in=serving)
    return Q(is_active=True) & (as_customer | as_staff)


def _signed_in(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def restrict[M: Model](queryset: QuerySet[M], user: User) -> QuerySet[M]:
    """The rows of `queryset` that `user` may see: none for anonymous or inactive users."""
    if not _signed_in(user):
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
    if not _signed_in(user):
        return queryset.none()
    return queryset.filter(customer_q(user, queryset.model))


def staff_restrict[M: Model](queryset: QuerySet[M], user: User) -> QuerySet[M]:
    """Like `restrict`, but only through the user's place in the service team: what the desk works on."""
    if not _signed_in(user):
        return queryset.none()
    condition = staff_q(user, queryset.model)
    if condition is None:
        return queryset.none()
    return queryset.filter(condition) if condition else queryset
