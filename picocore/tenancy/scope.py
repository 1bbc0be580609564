"""The one place that decides which customer-owned rows a person may see.

Every selector that reads customer data passes its queryset through `restrict`. A model declares where its
organisation is (`tenancy_organisation_field`, default `organisation`) and, when plain requesters may see
only their own rows, who owns a row (`tenancy_owner_field`) and optionally which rows a person follows
without owning them (`tenancy_followed_q(user)`).

What a member sees of such rows follows their role (`picocore.tenancy.roles`: customer admins and viewers see
every row) and the organisation's `request_visibility`: every row, their own (and followed) rows only, or their
own and those shared with the organisation (models with a `tenancy_shared_field`, e.g. `Ticket.shared`).

The filters name organisations by id (`organisation_id IN (3, 7)`): the person's `Reach` — the
organisations they belong to and their role there, those of them where they see every row or also shared rows,
and those they serve as staff — is
read once per user object and kept on it. The session's user is read with it in the same query (`with_reach`,
through `ReachBackend`); any other user object costs one query on first use. A request gets a fresh user
object, so a membership or team change takes effect at the next request. Literal ids spare the database
planning the subqueries into every query of a page (a nine-table join spent longer being planned than run).
"""

import functools
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, Model, OuterRef, Q, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat

from picocore.core import reference
from picocore.core.models import ReferenceToken
from picocore.tenancy.choices import RequestVisibility, StaffRole, TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User
from picocore.tenancy.roles import Capability, may, roles_with

STAFF_SEEING_ALL = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)

# Where `reach` keeps what it read, on the user object itself: a request's user lives as long as the request.
_REACH_CACHE = "_tenancy_reach"
# The annotations `with_reach` adds: the memberships as comma-separated `organisation id:role:visibility`, and the
# organisations served as comma-separated ids.
_MEMBER_OF, _SERVED = "reach_member_of", "reach_served"
# Read along with the session's user: the request's reference token (picocore.core.reference).
_REFERENCE_TOKEN = "reference_token"  # noqa: S105 (a column name)


@dataclass(frozen=True)
class Reach:
    """The organisations a person reaches. As a customer contact: those they belong to (`member_of`, with their
    role in each in `roles`), those of them where they see every row (`sees_all_of`: by their role, or where the
    organisation shows every request), and those where they also see rows shared with the organisation
    (`shared_of`); in the rest of `member_of` they see their own and followed rows only. As staff: those they
    serve (`served`; None for every organisation)."""

    member_of: frozenset[int]
    sees_all_of: frozenset[int]
    served: frozenset[int] | None
    shared_of: frozenset[int] = frozenset()
    roles: tuple[tuple[int, str], ...] = ()

    @property
    def own_only_of(self) -> frozenset[int]:
        return self.member_of - self.sees_all_of

    def role_in(self, organisation_id: int | None) -> str | None:
        """The person's role in the organisation; None when they are no member of it."""
        return next((role for pk, role in self.roles if pk == organisation_id), None)

    def may(self, organisation_id: int | None, capability: Capability) -> bool:
        """Whether the person's role in the organisation has the capability (`picocore.tenancy.roles`)."""
        return may(self.role_in(organisation_id), capability)

    def organisations_where(self, capability: Capability) -> frozenset[int]:
        return frozenset(pk for pk, role in self.roles if may(role, capability))


def sees_all_requests(role: str | None, visibility: str) -> bool:
    """Whether a member with `role` sees every request of an organisation with this request visibility."""
    return may(role, Capability.SEE_ALL_REQUESTS) or (bool(role) and visibility == RequestVisibility.ORGANISATION)


def _ids_of(queryset: QuerySet[Any]) -> Subquery:
    """The organisation ids of `queryset` (rows with an `organisation_id`, filtered on `user`/`OuterRef`) as one
    comma-separated string, so that they can ride along with the user's own row."""
    ids = StringAgg(Cast("organisation_id", output_field=CharField()), delimiter=Value(","))
    return Subquery(queryset.order_by().values("grouping").annotate(ids=ids).values("ids"))


def with_reach[U: User](users: QuerySet[U]) -> QuerySet[U]:
    """`users`, each read with their reach (two small subqueries on the memberships and teams of that
    user), so that `reach` needs no query of its own for them."""
    memberships = Membership.objects.filter(user=OuterRef("pk")).annotate(grouping=Value(1))
    held = Concat(
        Cast("organisation_id", output_field=CharField()), Value(":"), "role", Value(":"),
        "organisation__request_visibility", output_field=CharField(),
    )  # fmt: skip
    member_of = Subquery(
        memberships.order_by().values("grouping").annotate(ids=StringAgg(held, delimiter=Value(","))).values("ids")
    )
    served = Team.organisations.through.objects.filter(
        team__kind=TeamKind.OPERATIONS, team__members=OuterRef("pk")
    ).annotate(grouping=Value(1))
    reached: QuerySet[U] = users.annotate(**{_MEMBER_OF: member_of, _SERVED: _ids_of(served)})
    return reached


def _parse_memberships(text: str | None) -> list[tuple[int, str, str]]:
    held = []
    for part in text.split(",") if text else ():
        organisation_id, role, visibility = part.split(":")
        held.append((int(organisation_id), role, visibility))
    return held


def _parse_ids(text: str | None) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",")) if text else frozenset()


_SENTINEL_PK = -7_310_455_021  # stands for the user's id in the SQL compiled once below


@functools.cache
def _user_with_reach_sql(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL reading one user with their reach, compiled once per process and database: building the three
    subqueries through the ORM on every request cost more than running them."""
    token = ReferenceToken.objects.filter(pk=ReferenceToken.SINGLETON).values("token")
    users = with_reach(User.objects.filter(pk=_SENTINEL_PK)).annotate(**{_REFERENCE_TOKEN: Subquery(token)})
    sql, params = users.query.sql_with_params()
    return sql, tuple(params)


def user_with_reach(user_id: Any) -> User | None:
    """The user with this id, read with their reach (`with_reach`) in one query; None if there is none. The
    same query reads the reference token for the current request (`picocore.core.reference.note_token`)."""
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    sql, params = _user_with_reach_sql(connection.vendor)
    users = list(User._default_manager.raw(sql, tuple(pk if p == _SENTINEL_PK else p for p in params)))
    if not users:
        return None
    reference.note_token(getattr(users[0], _REFERENCE_TOKEN))
    return users[0]


def reach(user: User) -> Reach:
    """What `user` reaches, read once per user object: free when it was read by `with_reach`, else one query."""
    # getattr and setattr rather than vars(): a request's user is a lazy proxy, which forwards only these.
    reached: Reach | None = getattr(user, _REACH_CACHE, None)
    if reached is None:
        source = user if hasattr(user, _MEMBER_OF) else user_with_reach(user.pk)
        held = _parse_memberships(getattr(source, _MEMBER_OF, None))
        served = _parse_ids(getattr(source, _SERVED, None))
        if user.staff_role in STAFF_SEEING_ALL:
            served_ids: frozenset[int] | None = None
        else:
            served_ids = served if user.staff_role == StaffRole.CONSULTANT else frozenset()
        sees_all_of = frozenset(pk for pk, role, visibility in held if sees_all_requests(role, visibility))
        reached = Reach(
            member_of=frozenset(pk for pk, _role, _visibility in held),
            sees_all_of=sees_all_of,
            served=served_ids,
            shared_of=frozenset(pk for pk, _role, visibility in held if visibility == RequestVisibility.OWN_AND_SHARED)
            - sees_all_of,
            roles=tuple(sorted((pk, role) for pk, role, _visibility in held)),
        )
        setattr(user, _REACH_CACHE, reached)
    return reached


def known_reach(user: User, reached: Reach) -> User:
    """`user`, told what they reach (as `reach` read it for another object of the same person), so that scoping
    for them needs no query. For callers that build a stand-in user object from a real one's values."""
    setattr(user, _REACH_CACHE, reached)
    return user


def _organisation_field(model: type[Model]) -> str:
    return getattr(model, "tenancy_organisation_field", "organisation")


def _in(field: str, ids: frozenset[int]) -> Q:
    # Sorted: the same person's queries read the same, which keeps them comparable (and cacheable by text).
    return Q(**{f"{field}__in": sorted(ids)})


def customer_q(user: User, model: type[Model]) -> Q:
    """Rows the user may see as a contact of the organisations they belong to."""
    org_field = _organisation_field(model)
    owner_field = getattr(model, "tenancy_owner_field", None)
    reached = reach(user)
    if owner_field is None:
        return _in(org_field, reached.member_of)
    own = Q(**{owner_field: user})
    if followed := getattr(model, "tenancy_followed_q", None):
        own |= followed(user)
    condition = _in(org_field, reached.sees_all_of) | (own & _in(org_field, reached.own_only_of))
    shared_field = getattr(model, "tenancy_shared_field", None)
    if shared_field is not None and reached.shared_of:
        condition |= Q(**{shared_field: True}) & _in(org_field, reached.shared_of)
    return condition


def served_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose operational work this member of staff may see."""
    served = reach(user).served if user.staff_role else frozenset()
    if served is None:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=sorted(served)) if served else Organisation.objects.none()


def staff_q(user: User, model: type[Model]) -> Q | None:
    """Rows the user may see as a member of staff; None when they may see none that way."""
    if user.staff_role in STAFF_SEEING_ALL:
        return Q()
    if user.staff_role == StaffRole.CONSULTANT:
        return _in(_organisation_field(model), reach(user).served or frozenset())
    return None


def serves(user: User, organisation_id: int) -> bool:
    """Whether this member of staff may work the organisation's operational tickets (the rows `staff_q` lets
    them see): service managers and administrators always, consultants through an operations team serving it.
    No query beyond reading the consultant's reach."""
    if not _signed_in(user) or not user.staff_role:
        return False
    if user.staff_role in STAFF_SEEING_ALL:
        return True
    if user.staff_role == StaffRole.CONSULTANT:
        return organisation_id in (reach(user).served or frozenset())
    return False


def viewers_q(*, organisation_id: int, owners: Q | None, shared: bool = False) -> Q:
    """The people who may see a row of `organisation_id`, as a condition on User: the inverse of `restrict`,
    so that "who hears of this row?" is answered by the same rules as "which rows does this person see?".

    `owners` is a condition on User naming the row's owner and the people who follow it (for models with a
    `tenancy_owner_field`), or None for rows every member of the organisation sees; `shared` whether the row is
    shared with the organisation (for models with a `tenancy_shared_field`).
    """
    members = Membership.objects.filter(organisation_id=organisation_id)
    if owners is None:
        as_customer = Q(pk__in=members.values("user_id"))
    else:
        whole = [RequestVisibility.ORGANISATION, *([RequestVisibility.OWN_AND_SHARED] if shared else [])]
        sees_all = members.filter(
            Q(role__in=roles_with(Capability.SEE_ALL_REQUESTS)) | Q(organisation__request_visibility__in=whole)
        )
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


def members_with(organisation_id: int, capability: Capability) -> QuerySet[User]:
    """The organisation's active members whose role has the capability (`picocore.tenancy.roles`): who hears of,
    receives or answers what that capability is about. One query when evaluated."""
    return User.objects.filter(
        is_active=True,
        memberships__organisation_id=organisation_id,
        memberships__role__in=roles_with(capability),
    )


def member_may(user: User, organisation_id: int, capability: Capability) -> bool:
    """Whether the user's role in the organisation has the capability; no query beyond the user's reach."""
    return _signed_in(user) and reach(user).may(organisation_id, capability)
