"""The change calendar: the changes whose planned window touches a period, for the desk (every customer the
person serves, filtered by organisation, implementer and status) and for the portal (the current organisation's
changes, once they are put to the customer). Each reading is one query whatever the number of changes.

Guarantees: the desk sees only the organisations the person serves (`tenancy.scope.staff_q`); the portal only the
organisation of the membership, and only changes awaiting approval or later (drafts and assessments stay with the
team); a period is at most a year long.
"""

import calendar as monthly
import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from picocore.changes.choices import ChangeStatus as S
from picocore.changes.models import Change
from picocore.core.errors import NotFound
from picocore.tenancy.models import Membership, User
from picocore.tenancy.scope import reach, staff_q

# What a customer sees of their changes: from the moment they are asked to approve (or a standard change is
# planned) on.
PORTAL_STATUSES = (S.AWAITING_APPROVAL, S.SCHEDULED, S.IMPLEMENTING, S.REVIEW, S.CLOSED, S.FAILED, S.CANCELLED,
                   S.REJECTED)  # fmt: skip
LONGEST = dt.timedelta(days=366)


@dataclass(frozen=True)
class Period:
    """A half-open span of local days [first, last + 1) in a time zone."""

    first: dt.date
    last: dt.date
    zone: zoneinfo.ZoneInfo

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=self.zone)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)


def month_period(year: int, month: int, zone: zoneinfo.ZoneInfo) -> Period:
    last_day = monthly.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last_day), zone)


def year_period(first: dt.date, zone: zoneinfo.ZoneInfo) -> Period:
    """A year of days from `first` (the benchmark's and the busiest screen's period)."""
    return Period(first, first + LONGEST - dt.timedelta(days=2), zone)


@dataclass
class Day:
    date: dt.date
    changes: list[Change] = field(default_factory=list)


@dataclass
class Agenda:
    """The period's changes, and the same by the local day each starts on (a change that started before the
    period shows on its first day)."""

    period: Period
    changes: list[Change]
    days: list[Day]


def _touching(changes: QuerySet[Change], period: Period) -> QuerySet[Change]:
    return changes.filter(planned_start__lt=period.end, planned_end__gt=period.start)


def _agenda(changes: QuerySet[Change], period: Period) -> Agenda:
    if period.end - period.start > LONGEST + dt.timedelta(days=1):
        raise ValueError("a calendar period is at most a year long")
    rows = list(
        _touching(changes, period).select_related("organisation", "implementer").order_by("planned_start", "id")
    )
    by_day: dict[dt.date, list[Change]] = defaultdict(list)
    for change in rows:
        assert change.planned_start is not None
        by_day[max(change.planned_start.astimezone(period.zone).date(), period.first)].append(change)
    return Agenda(period=period, changes=rows, days=[Day(day, by_day[day]) for day in sorted(by_day)])


def desk_calendar(
    *,
    actor: User,
    period: Period,
    organisation_id: int | None = None,
    implementer_id: int | None = None,
    status: str = "",
) -> Agenda:
    """The changes of the customers the person serves whose window touches the period, filtered."""
    scope = staff_q(actor, Change)
    changes = Change.objects.filter(scope) if scope is not None else Change.objects.none()
    changes = changes.filter(planned_start__isnull=False)
    if organisation_id is not None:
        changes = changes.filter(organisation_id=organisation_id)
    if implementer_id is not None:
        changes = changes.filter(implementer_id=implementer_id)
    if status:
        changes = changes.filter(status=status)
    return _agenda(changes, period)


def portal_changes_q(membership: Membership) -> Q:
    return Q(organisation_id=membership.organisation_id, status__in=PORTAL_STATUSES)


def portal_calendar(*, actor: User, membership: Membership, period: Period) -> Agenda:
    """The organisation's changes (as the customer sees them) whose window touches the period."""
    if membership.user_id != actor.pk:
        return _agenda(Change.objects.none(), period)
    return _agenda(Change.objects.filter(portal_changes_q(membership), planned_start__isnull=False), period)


def portal_change_list(*, actor: User, membership: Membership, limit: int = 100) -> list[Change]:
    """The organisation's changes, the latest first (one query)."""
    if membership.user_id != actor.pk:
        return []
    return list(Change.objects.filter(portal_changes_q(membership)).order_by("-planned_start", "-id")[:limit])


def portal_change_get(*, actor: User, membership: Membership, change_id: int) -> Change | None:
    """One of the organisation's changes as the customer sees it, with its confirmed components; None for any
    other (another organisation's, a draft, a missing one)."""
    if membership.user_id != actor.pk:
        return None
    return (
        Change.objects.filter(portal_changes_q(membership), pk=change_id)
        .select_related("organisation")
        .prefetch_related("affected__component")
        .first()
    )


def customer_changes(*, actor: User) -> QuerySet[Change]:
    """The changes of every organisation the actor belongs to, as the portal shows each of them (from the moment
    the customer is asked to approve on; never a draft), with their organisation: a list to order and page. None
    for anyone who belongs to no organisation."""
    member_of = sorted(reach(actor).member_of) if actor.is_authenticated and actor.is_active else []
    return Change.objects.filter(organisation_id__in=member_of, status__in=PORTAL_STATUSES).select_related(
        "organisation"
    )


def customer_change_get(*, actor: User, change_id: int) -> Change:
    """One change of an organisation the actor belongs to, as the portal shows it, with its organisation; NotFound
    for any other (another organisation's, a draft, a missing one alike). One query."""
    change = customer_changes(actor=actor).filter(pk=change_id).first()
    if change is None:
        raise NotFound(_("There is no such change, or it is not yours to see."))
    return change


def parse_month(text: str, today: dt.date) -> tuple[int, int, str]:
    """`YYYY-MM` as (year, month), today's month when empty; a problem named for anything else."""
    text = (text or "").strip()
    if not text:
        return today.year, today.month, ""
    try:
        moment = dt.datetime.strptime(text[:7], "%Y-%m")
    except ValueError:
        moment = None
    if moment is None or len(text) != 7 or not 2000 <= moment.year <= 2100:
        return today.year, today.month, _("Give the month as year and month, e.g. 2027-03.")
    return moment.year, moment.month, ""


def month_links(year: int, month: int) -> dict[str, str]:
    before = dt.date(year, month, 1) - dt.timedelta(days=1)
    after = dt.date(year, month, 28) + dt.timedelta(days=4)
    return {"previous": f"{before:%Y-%m}", "next": f"{after:%Y-%m}", "current": f"{year:04d}-{month:02d}"}
