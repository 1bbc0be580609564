"""Recording SLA warnings and breaches on the timeline, and the notifications they call for.

What the sweep and `sla_recompute` promise when they record (`picocore.sla.recording` writes the records and
enqueues the notices; this module says who hears of them):

* a breach is recorded once per clock, **stamped with the moment it happened** (the clock's own breach moment,
  derived from its history), however late the sweep or a recompute first sees it — also when the clock was
  paused or stopped before anyone looked;
* a deadline is met up to and including the instant it names: the counted time *passes* the target only
  after it, so a reply exactly at the deadline is in time and the sweep records a breach only once its moment
  lies strictly after the deadline (`due_at < moment`), as the clocks do;
* every escalation is its own notification with its own idempotency key — the service managers' breach
  notice, the on-call page for a P1 breach, the on-call page for a new P1 — so one person who is both the
  service manager and on call gets each of them.
"""

import datetime as dt

from django.db.models import Q
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from picocore.contracts.models import SlaMetric
from picocore.notifications.models import NotificationKind
from picocore.notifications.services import notify
from picocore.sla.calendar import BusinessCalendar, business_time_between
from picocore.sla.models import OnCallShift, SlaClock
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket


def utc_text(moment: dt.datetime) -> str:
    """A moment as an ISO 8601 text in UTC: the same instant always gives the same key and stored value."""
    return moment.astimezone(dt.UTC).isoformat()


def service_managers_for(ticket: Ticket) -> list[User]:
    """The owning team's service managers; every service manager when the team has none."""
    return ServiceManagers().of(ticket)


class ServiceManagers:
    """`service_managers_for`, read once per team (and the fallback, every service manager, once) for a run that
    notifies about many tickets, such as one notice task: the answers are as of the first question."""

    def __init__(self) -> None:
        self._teams: dict[int | None, list[User]] = {}
        self._everyone: list[User] | None = None

    def of(self, ticket: Ticket) -> list[User]:
        team_id = ticket.team_id
        if team_id not in self._teams:
            managers = User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True)
            self._teams[team_id] = list(managers.filter(teams__id=team_id)) if team_id is not None else []
        if self._teams[team_id]:
            return self._teams[team_id]
        if self._everyone is None:
            self._everyone = list(User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True))
        return self._everyone


def on_call_at(moment: dt.datetime, *, team_id: int | None = None) -> list[User]:
    """Who is on call at `moment`: shifts for the ticket's team and shifts for no team in particular."""
    shifts = OnCallShift.objects.filter(starts_at__lte=moment, ends_at__gt=moment).filter(
        Q(team__isnull=True) | Q(team_id=team_id)
    )
    return [shift.user for shift in shifts.select_related("user").order_by("starts_at", "id") if shift.user.is_active]


def outside_business_hours(calendar: BusinessCalendar | None, moment: dt.datetime) -> bool:
    """Whether `moment` lies outside the contract's business hours (always, without a contract)."""
    if calendar is None:
        return True
    return business_time_between(calendar, moment, moment + dt.timedelta(minutes=1)) == dt.timedelta(0)


def _metric_name(metric: str) -> str:
    return str(SlaMetric(metric).label).lower()


# Lazy: each recipient reads the title in their own language (see `notify`).
_metric_name_lazy = lazy(_metric_name, str)


def notify_warning(
    clock: SlaClock, *, ticket: Ticket, due_at: dt.datetime, managers: ServiceManagers | None = None
) -> int:
    """Tell the assignee (or the managers) that the clock, due at `due_at`, reached its warning share; once
    per clock and deadline. Returns how many people were told. `managers`: a run's cache of who they are."""
    return notify(
        users=[ticket.assignee] if ticket.assignee else (managers or ServiceManagers()).of(ticket),
        kind=NotificationKind.SLA_WARNING,
        key=f"sla-warning:{clock.pk}:{utc_text(due_at)}",
        title=format_lazy(_("{key} {metric} is due soon"), key=ticket.key, metric=_metric_name_lazy(clock.metric)),
        ticket=ticket,
    )


def notify_breach(
    clock: SlaClock, *, ticket: Ticket, breached_at: dt.datetime, page: bool, managers: ServiceManagers | None = None
) -> int:
    """Tell the service managers of the breach at `breached_at` and, when `page` (a P1 whose breach fell
    outside business hours), page whoever was on call then; once per clock and moment. Returns how many
    notifications were new. `managers`: a run's cache of who they are."""
    moment = utc_text(breached_at)
    told = notify(
        users=(managers or ServiceManagers()).of(ticket),
        kind=NotificationKind.SLA_BREACH,
        key=f"sla-breach:{clock.pk}:{moment}",
        title=format_lazy(_("{key} {metric} breached"), key=ticket.key, metric=_metric_name_lazy(clock.metric)),
        ticket=ticket,
    )
    if page:
        told += notify(
            users=on_call_at(breached_at, team_id=ticket.team_id),
            kind=NotificationKind.ON_CALL_PAGE,
            key=f"sla-breach-page:{clock.pk}:{moment}",
            title=format_lazy(
                _("P1 {key} {metric} breached outside business hours"),
                key=ticket.key,
                metric=_metric_name_lazy(clock.metric),
            ),
            body=ticket.title,
            ticket=ticket,
        )
    return told


def page_new_p1(*, ticket: Ticket, at: dt.datetime, calendar: BusinessCalendar | None) -> int:
    """Page whoever is on call when a ticket becomes P1 (created so, or raised to it) outside business hours;
    once per ticket. Returns how many people were paged."""
    if ticket.priority != 1 or not outside_business_hours(calendar, at):
        return 0
    return notify(
        users=on_call_at(at, team_id=ticket.team_id),
        kind=NotificationKind.ON_CALL_PAGE,
        key=f"p1-page:{ticket.pk}",
        title=format_lazy(_("New P1 {key} outside business hours"), key=ticket.key),
        body=ticket.title,
        ticket=ticket,
    )
