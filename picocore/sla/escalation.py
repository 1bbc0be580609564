"""Recording SLA warnings and breaches on the timeline, and the notifications they call for.

The one writer of SLA records, used by the sweep and by `sla_recompute` alike, inside their transactions:

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
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.timeline import SlaBreach, SlaRecord, SlaWarning


def utc_text(moment: dt.datetime) -> str:
    """A moment as an ISO 8601 text in UTC: the same instant always gives the same key and stored value."""
    return moment.astimezone(dt.UTC).isoformat()


def service_managers_for(ticket: Ticket) -> list[User]:
    """The owning team's service managers; every service manager when the team has none."""
    team = ticket.team
    managers = list(team.members.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True)) if team else []
    return managers or list(User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True))


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


def _record(ticket: Ticket, entry: SlaRecord, *, at: dt.datetime) -> TicketEvent:
    # Through the one writer: an SLA record never moves a deadline and notifies nobody by itself (the
    # notifications below carry their own keys). The moments are fields, not a text, so each page shows them
    # in its viewer's time zone. Imported here: the writer recomputes clocks through this package.
    from picocore.tickets.services.common import record

    return record(ticket, entry, actor=None, at=at)


def record_warning(clock: SlaClock, *, ticket: Ticket, seen_at: dt.datetime) -> None:
    """Record that a running clock reached its warning share, and tell the assignee (or the managers)."""
    due_at = clock.due_at
    assert due_at is not None  # only running clocks warn
    _record(ticket, SlaWarning(metric=clock.metric, due_at=due_at), at=seen_at)
    notify(
        users=[ticket.assignee] if ticket.assignee else service_managers_for(ticket),
        kind=NotificationKind.SLA_WARNING,
        key=f"sla-warning:{clock.pk}:{utc_text(due_at)}",
        title=format_lazy(_("{key} {metric} is due soon"), key=ticket.key, metric=_metric_name_lazy(clock.metric)),
        ticket=ticket,
    )
    clock.warning_recorded_at = seen_at


def record_breach(
    clock: SlaClock,
    *,
    ticket: Ticket,
    breached_at: dt.datetime,
    seen_at: dt.datetime,
    calendar: BusinessCalendar | None,
) -> None:
    """Record the breach at the moment it happened, tell the service managers and, for a P1 whose breach
    fell outside business hours, page whoever was on call then. The caller saves the clock."""
    _record(ticket, SlaBreach(metric=clock.metric, due_at=breached_at, breached_at=breached_at), at=breached_at)
    moment = utc_text(breached_at)
    notify(
        users=service_managers_for(ticket),
        kind=NotificationKind.SLA_BREACH,
        key=f"sla-breach:{clock.pk}:{moment}",
        title=format_lazy(_("{key} {metric} breached"), key=ticket.key, metric=_metric_name_lazy(clock.metric)),
        ticket=ticket,
    )
    if ticket.priority == 1 and outside_business_hours(calendar, breached_at):
        notify(
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
    clock.breached_at = breached_at
    clock.breach_recorded_at = seen_at


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
