"""The periodic SLA sweep: record warnings and breaches once, on the timeline, and escalate breaches.

Each pass is two indexed queries when nothing is due. A clock is claimed under a row lock (SKIP LOCKED on
PostgreSQL, so several workers share the work) and its bookkeeping column is set in the same transaction as
the timeline event and the notifications: a second pass, or a second worker, finds nothing left to record.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Q

from picocore.contracts.models import SlaMetric
from picocore.core.clock import now as current_time
from picocore.notifications.models import NotificationKind
from picocore.notifications.services import notify
from picocore.sla.calendar import business_time_between
from picocore.sla.models import OnCallShift, SlaClock
from picocore.sla.services import policy_for
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tickets.choices import EventKind
from picocore.tickets.models import TicketEvent

BATCH = 200


def _claim(condition: Q) -> list[SlaClock]:
    clocks = SlaClock.objects.filter(condition).select_related("ticket", "ticket__organisation", "ticket__team")
    if connection.features.has_select_for_update_skip_locked:
        clocks = clocks.select_for_update(skip_locked=True, of=("self",))
    return list(clocks.order_by("id")[:BATCH])


def _record(clock: SlaClock, kind: str, text: str) -> None:
    # Written directly (not through record_event): an SLA record never moves a deadline.
    TicketEvent.objects.create(
        ticket=clock.ticket,
        organisation_id=clock.organisation_id,
        kind=kind,
        public=False,
        body=text,
        data={"metric": clock.metric, "due_at": clock.due_at.isoformat() if clock.due_at else None},
    )


def service_managers_for(clock: SlaClock) -> list[User]:
    """The owning team's service managers; every service manager when the team has none."""
    team = clock.ticket.team
    managers = list(team.members.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True)) if team else []
    return managers or list(User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True))


def on_call_at(moment: dt.datetime) -> list[User]:
    shifts = OnCallShift.objects.filter(starts_at__lte=moment, ends_at__gt=moment).select_related("user")
    return [shift.user for shift in shifts if shift.user.is_active]


def _outside_business_hours(clock: SlaClock, moment: dt.datetime) -> bool:
    policy = policy_for(ticket=clock.ticket, at=moment)
    if policy is None:
        return True
    return business_time_between(policy.calendar, moment, moment + dt.timedelta(minutes=1)) == dt.timedelta(0)


def _label(clock: SlaClock) -> str:
    return f"{clock.ticket.key} {SlaMetric(clock.metric).label.lower()}"


def sweep_warnings(moment: dt.datetime) -> int:
    recorded = 0
    with transaction.atomic():
        for clock in _claim(
            Q(warning_recorded_at__isnull=True, warn_at__lte=moment, due_at__isnull=False, stopped_at__isnull=True)
        ):
            _record(
                clock,
                EventKind.SLA_WARNING,
                f"{SlaMetric(clock.metric).label} due at {clock.due_at:%Y-%m-%d %H:%M %Z}.",
            )
            notify(
                users=[clock.ticket.assignee] if clock.ticket.assignee else service_managers_for(clock),
                kind=NotificationKind.SLA_WARNING,
                key=f"sla-warning:{clock.pk}:{clock.due_at.isoformat()}",
                title=f"{_label(clock)} is due soon",
                ticket=clock.ticket,
            )
            clock.warning_recorded_at = moment
            clock.save(update_fields=["warning_recorded_at"])
            recorded += 1
    return recorded


def sweep_breaches(moment: dt.datetime) -> int:
    recorded = 0
    with transaction.atomic():
        for clock in _claim(
            Q(breach_recorded_at__isnull=True, due_at__lte=moment, due_at__isnull=False, stopped_at__isnull=True)
        ):
            ticket = clock.ticket
            _record(
                clock,
                EventKind.SLA_BREACH,
                f"{SlaMetric(clock.metric).label} target missed at {clock.due_at:%Y-%m-%d %H:%M %Z}.",
            )
            key = f"sla-breach:{clock.pk}:{clock.due_at.isoformat()}"
            managers = service_managers_for(clock)
            notify(
                users=managers,
                kind=NotificationKind.SLA_BREACH,
                key=key,
                title=f"{_label(clock)} breached",
                ticket=ticket,
            )
            if ticket.priority == 1 and _outside_business_hours(clock, moment):
                notify(
                    users=on_call_at(moment),
                    kind=NotificationKind.ON_CALL_PAGE,
                    key=key,
                    title=f"P1 {_label(clock)} breached outside business hours",
                    body=ticket.title,
                    ticket=ticket,
                )
            clock.breach_recorded_at = moment
            clock.save(update_fields=["breach_recorded_at"])
            recorded += 1
    return recorded


def sla_sweep(moment: dt.datetime | None = None) -> tuple[int, int]:
    """Record due warnings and breaches; returns (warnings, breaches) recorded by this pass."""
    moment = moment or current_time()
    return sweep_warnings(moment), sweep_breaches(moment)
