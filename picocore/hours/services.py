"""Logging time, correcting it, and keeping the hour bank: every write checks the actor first
(`picocore.hours.permissions`), writes in one transaction, and records itself on the audit trail.

Guarantees:
- An entry is debited once, at the contract's rounding and rates on the day it was worked
  (`picocore.hours.rates`); its debit and how it came about are stored with it.
- A closed month is frozen: no entry is logged into it, changed in it or moved out of it, and no adjustment is
  made to it; corrections go into an open month as adjustments with a reason.
- Logging and closing the same month are serialised on the month's row, so no entry slips into a month while it
  closes.
- The 80 % and 100 % warnings go out at most once each per contract and month, through the outbox, in the
  transaction that crossed the line.
"""

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record, diff, snapshot
from picocore.contracts.models import Contract
from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.text import one_line, without_nul
from picocore.development.models import DevelopmentItem
from picocore.hours import permissions, selectors
from picocore.hours.choices import NonBillableReason
from picocore.hours.models import MAX_ENTRY_MINUTES, LedgerAdjustment, LedgerMonth, RunningTimer, TimeEntry
from picocore.hours.rates import entry_debit
from picocore.hours.warnings import warn_if_crossed
from picocore.sla.services import usable_calendar
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket, TicketEvent

DESCRIPTION_MAX = TimeEntry._meta.get_field("description").max_length or 200
REASON_MAX = LedgerAdjustment._meta.get_field("reason").max_length or 300
NOT_YOURS = "There is no ticket with that key, or it is not yours to see."


@dataclass(frozen=True)
class TimeToLog:
    """Time to log in the same action as something else (a reply, a note): what `time_log` takes besides the
    actor and the ticket. `work_date` None is the organisation's today; an empty description is the caller's
    to fill in."""

    minutes: int
    work_date: dt.date | None = None
    billable: bool = True
    non_billable_reason: str = ""
    description: str = ""
    started_at: dt.datetime | None = None


def time_required_on_reply(contract: Contract | None) -> bool:
    """Whether a public reply under this contract must log time with it (its tier says so)."""
    return contract is not None and bool(contract.tier.time_required_on_reply)


def _clean_text(text: str, limit: int) -> str:
    return one_line(without_nul(text or "")).strip()[:limit]


def _locked_month(contract: Contract, month: dt.date) -> LedgerMonth:
    """The month's row, created if needed and locked until the transaction ends."""
    row, _created = LedgerMonth.objects.get_or_create(
        contract=contract, month=month, defaults={"organisation_id": contract.organisation_id}
    )
    return LedgerMonth.objects.select_for_update().get(pk=row.pk)


def _validated(
    *, minutes: Any, work_date: dt.date, billable: bool, reason: str, today: dt.date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_ENTRY_MINUTES:
        errors["minutes"] = [_("Give between 1 and %(max)s minutes.") % {"max": MAX_ENTRY_MINUTES}]
    if work_date > today:
        errors["work_date"] = [_("Time cannot be logged for a day that has not come yet.")]
    if billable and reason:
        errors["non_billable_reason"] = [_("Billable time has no reason for not being billed.")]
    if not billable and reason not in NonBillableReason.values:
        errors["non_billable_reason"] = [_("Say why this time is not billable.")]
    return errors


def _debit(entry: TimeEntry, contract: Contract | None) -> None:
    """Set the entry's debit from its contract's terms and calendar (nothing debited when not billable)."""
    rates = selectors.rates_of(selectors.terms_of(contract))
    calendar = usable_calendar(contract.calendar)[0] if contract is not None else None
    counted = entry_debit(
        rates, calendar, minutes=entry.minutes, work_date=entry.work_date, started_at=entry.started_at
    )
    entry.debited_minutes = counted.debited if entry.billable else 0
    entry.debit = counted.as_data(rates)


def time_log(*, actor: User, ticket: Ticket, minutes: int, work_date: dt.date | None = None,
             started_at: dt.datetime | None = None, billable: bool = True, non_billable_reason: str = "",
             description: str = "", development_item: DevelopmentItem | None = None,
             event: TicketEvent | None = None) -> TimeEntry:  # fmt: skip
    """Log `minutes` worked on the ticket (on `work_date`, the organisation's today by default; from
    `started_at` when known) and debit them from the contract in force that day."""
    if not permissions.can_log_time(actor, ticket, development_item=development_item):
        if not permissions.may_see_ticket_time(actor, ticket) and development_item is None:
            raise NotFound(_(NOT_YOURS))
        raise PermissionDenied(_("You may not log time on this ticket."))
    moment = now()
    organisation = ticket.organisation
    if started_at is not None and work_date is None:
        work_date = organisation_date(organisation, started_at)
    day = work_date or organisation_date(organisation, moment)
    errors = _validated(minutes=minutes, work_date=day, billable=billable, reason=non_billable_reason,
                        today=organisation_date(organisation, moment))  # fmt: skip
    if errors:
        raise ValidationError(field_errors=errors)
    contract = selectors.contract_on(organisation, day)
    month = selectors.month_of(day)
    entry = TimeEntry(
        organisation_id=ticket.organisation_id, ticket=ticket, development_item=development_item,
        contract=contract, author=actor, work_date=day, month=month, started_at=started_at, minutes=minutes,
        billable=billable, non_billable_reason="" if billable else non_billable_reason,
        description=_clean_text(description, DESCRIPTION_MAX), event=event, created_at=moment, updated_at=moment,
    )  # fmt: skip
    _debit(entry, contract)
    with transaction.atomic():
        if contract is not None:
            ledger_month = _locked_month(contract, month)
            if ledger_month.closed_at is not None:
                raise ValidationError(
                    _("%(month)s is closed: record the time as an adjustment in an open month.")
                    % {"month": month.strftime("%Y-%m")}
                )
        entry.save()
        audit_record(actor=actor, action=AuditAction.CREATED, instance=entry, changes=diff({}, snapshot(entry)))
        if contract is not None and entry.debited_minutes:
            warn_if_crossed(contract, month)
    return entry


def time_entry_change(*, actor: User, entry: TimeEntry, **changes: Any) -> TimeEntry:
    """Change the author's own entry (minutes, work_date, started_at, billable, non_billable_reason,
    description) within the edit window, while its month, and the month it moves to, are open."""
    allowed = {"minutes", "work_date", "started_at", "billable", "non_billable_reason", "description"}
    if unknown := set(changes) - allowed:
        raise ValidationError(_("These cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        stored = _entry_for_change(actor, entry)
        moment = now()
        before = snapshot(stored)
        for name, value in changes.items():
            setattr(stored, name, _clean_text(value, DESCRIPTION_MAX) if name == "description" else value)
        if stored.billable:
            stored.non_billable_reason = ""
        errors = _validated(minutes=stored.minutes, work_date=stored.work_date, billable=stored.billable,
                            reason=stored.non_billable_reason,
                            today=organisation_date(stored.ticket.organisation, moment))  # fmt: skip
        if errors:
            raise ValidationError(field_errors=errors)
        month = selectors.month_of(stored.work_date)
        if month != stored.month:
            contract = selectors.contract_on(stored.ticket.organisation, stored.work_date)
            if contract is not None and _locked_month(contract, month).closed_at is not None:
                raise ValidationError(_("%(month)s is closed.") % {"month": month.strftime("%Y-%m")})
            stored.contract, stored.month = contract, month
        _debit(stored, stored.contract)
        stored.updated_at = moment
        stored.save()
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=stored, changes=diff(before, snapshot(stored)))
        if stored.contract is not None and stored.debited_minutes:
            warn_if_crossed(stored.contract, stored.month)
    return stored


def ledger_adjust(*, actor: User, contract: Contract, month: dt.date, minutes: int, reason: str,
                  entry: TimeEntry | None = None) -> LedgerAdjustment:  # fmt: skip
    """Add (positive) or charge (negative) minutes to an open month of the contract's bank, with a reason."""
    if not permissions.can_manage_bank(actor, contract.organisation):
        raise PermissionDenied(_("Only service managers adjust the hour bank."))
    reason = _clean_text(reason, REASON_MAX)
    errors: dict[str, list[str]] = {}
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes == 0 or abs(minutes) > 100_000:
        errors["minutes"] = [_("Give the minutes to add (positive) or charge (negative), not zero.")]
    if not reason:
        errors["reason"] = [_("Every adjustment says why.")]
    if entry is not None and entry.contract_id != contract.pk:
        errors["entry"] = [_("That entry belongs to another contract.")]
    if errors:
        raise ValidationError(field_errors=errors)
    month = selectors.month_of(month)
    with transaction.atomic():
        if _locked_month(contract, month).closed_at is not None:
            raise ValidationError(_("%(month)s is closed: adjust an open month.") % {"month": month.strftime("%Y-%m")})
        adjustment = LedgerAdjustment.objects.create(
            contract=contract, organisation_id=contract.organisation_id, month=month, minutes=minutes, reason=reason,
            entry=entry, actor=actor,
        )  # fmt: skip
        audit_record(actor=actor, action=AuditAction.CREATED, instance=adjustment,
                     changes=diff({}, snapshot(adjustment)))  # fmt: skip
        if minutes < 0:
            warn_if_crossed(contract, month)
    return adjustment


def ledger_close(*, actor: User | None, contract: Contract, through: dt.date) -> list[LedgerMonth]:
    """Close every open month of the contract's bank from its first through the month of `through`, in order,
    freezing each month's figures. Only months that have ended close. `actor` None is the scheduled closing.
    Returns the months it closed (none when all were closed already)."""
    if actor is not None and not permissions.can_manage_bank(actor, contract.organisation):
        raise PermissionDenied(_("Only service managers close months of the hour bank."))
    last = selectors.month_of(through)
    current = selectors.month_of(organisation_date(contract.organisation, now()))
    if last >= current:
        raise ValidationError(_("Only a month that has ended can be closed."))
    closed: list[LedgerMonth] = []
    with transaction.atomic():
        already = LedgerMonth.objects.filter(contract=contract, closed_at__isnull=False).order_by("-month").first()
        month = (
            selectors.month_after(already.month) if already is not None else selectors.month_of(contract.starts_on)
        )  # fmt: skip
        while month <= last:
            row = _locked_month(contract, month)
            figures = selectors.bank_month(contract, month)
            row.closed_at, row.closed_by, row.closing = now(), actor, selectors.figures_as_data(figures)
            row.save(update_fields=["closed_at", "closed_by", "closing"])
            audit_record(actor=actor, action=AuditAction.CHANGED, instance=row,
                         changes={"closed_at": {"before": None, "after": row.closed_at.isoformat()}})  # fmt: skip
            closed.append(row)
            month = selectors.month_after(month)
    return closed


def _refuse_unless_may_log(actor: User, ticket: Ticket, development_item: DevelopmentItem | None) -> None:
    if not permissions.can_log_time(actor, ticket, development_item=development_item):
        if not permissions.may_see_ticket_time(actor, ticket) and development_item is None:
            raise NotFound(_(NOT_YOURS))
        raise PermissionDenied(_("You may not log time on this ticket."))


def _timer_place(timer: RunningTimer) -> str:
    """Where a running timer runs, as its page names it: the development item, or the ticket."""
    if timer.development_item_id is not None:
        return _("the development item of %(key)s") % {"key": timer.ticket.key}
    return timer.ticket.key


def timer_start(*, actor: User, ticket: Ticket, development_item: DevelopmentItem | None = None) -> RunningTimer:
    """Start the actor's timer on the ticket (against `development_item` when given), on the audit trail. A person
    runs one timer at a time: a second start while one runs, here or elsewhere, is refused with where it runs and
    changes nothing, so a repeated start never restarts the clock (the unique constraint holds it under parallel
    starts too) nor records a second start."""
    _refuse_unless_may_log(actor, ticket, development_item)
    with transaction.atomic():
        try:
            with transaction.atomic():
                timer = RunningTimer.objects.create(
                    organisation_id=ticket.organisation_id, ticket=ticket, development_item=development_item,
                    user=actor, started_at=now(),
                )  # fmt: skip
        except IntegrityError:
            running = RunningTimer.objects.select_related("ticket").get(user=actor)
            if running.ticket_id == ticket.pk and running.development_item_id == getattr(development_item, "pk", None):
                raise ValidationError(
                    _("Your timer is already running here: stop or discard it before starting it again.")
                ) from None
            raise ValidationError(
                _("Your timer is running on %(place)s: stop it there before starting another.")
                % {"place": _timer_place(running)}
            ) from None
        audit_record(actor=actor, action=AuditAction.CREATED, instance=timer, changes=diff({}, snapshot(timer)))
    return timer


def timer_running(*, actor: User) -> RunningTimer | None:
    """The actor's running timer, with its ticket, or None."""
    return RunningTimer.objects.select_related("ticket", "development_item").filter(user=actor).first()


def timer_elapsed(timer: RunningTimer, at: dt.datetime) -> int:
    """Whole minutes the timer has run at `at`, a started minute counting as one (at least 1)."""
    seconds = (at - timer.started_at).total_seconds()
    return max(1, math.ceil(seconds / 60))


def _own_timer(actor: User, ticket: Ticket, development_item: DevelopmentItem | None) -> RunningTimer | None:
    """The actor's timer on the ticket (on `development_item`, or on the ticket itself when None), locked until the
    transaction ends; nobody else's: the row is looked up by the actor."""
    return (
        RunningTimer.objects.select_for_update()
        .filter(user=actor, ticket=ticket, development_item=development_item)
        .first()
    )


def timer_stop(*, actor: User, ticket: Ticket, billable: bool = True, non_billable_reason: str = "",
               description: str = "", development_item: DevelopmentItem | None = None) -> TimeEntry:  # fmt: skip
    """Stop the actor's timer on the ticket (on `development_item`, or on the ticket itself when None) and log the
    minutes it ran from when it started (so its rates apply to the hours it ran in), in one transaction: the timer
    is gone (on the audit trail, beside the entry's creation) exactly when the entry exists, so stopping twice
    logs once. A timer that ran more than a day is refused (log the real time by hand, then discard it); nothing
    changes then."""
    _refuse_unless_may_log(actor, ticket, development_item)
    with transaction.atomic():
        timer = _own_timer(actor, ticket, development_item)
        if timer is None:
            raise ValidationError(_("No timer of yours is running on %(key)s.") % {"key": ticket.key})
        minutes = timer_elapsed(timer, now())
        if minutes > MAX_ENTRY_MINUTES:
            raise ValidationError(
                _("This timer has run for more than a day: log the time you worked by hand, then discard the timer.")
            )
        entry = time_log(actor=actor, ticket=ticket, minutes=minutes, started_at=timer.started_at, billable=billable,
                         non_billable_reason=non_billable_reason, description=description,
                         development_item=development_item)  # fmt: skip
        audit_record(actor=actor, action=AuditAction.DELETED, instance=timer, changes=diff(snapshot(timer), {}))
        timer.delete()
    return entry


def timer_discard(*, actor: User, ticket: Ticket, development_item: DevelopmentItem | None = None) -> bool:
    """Throw away the actor's own timer on the ticket (on `development_item`, or on the ticket itself when None)
    without logging it, recording on the audit trail what it was; False when none was running there."""
    with transaction.atomic():
        timer = _own_timer(actor, ticket, development_item)
        if timer is None:
            return False
        audit_record(actor=actor, action=AuditAction.DELETED, instance=timer, changes=diff(snapshot(timer), {}))
        timer.delete()
    return True


def _entry_for_change(actor: User, entry: TimeEntry) -> TimeEntry:
    """The entry locked for a change by `actor`, refused unless it is theirs, within the edit window and in an
    open month (inside the caller's transaction)."""
    stored = TimeEntry.objects.select_for_update().select_related("ticket__organisation").filter(pk=entry.pk).first()
    if stored is None or not permissions.may_see_ticket_time(actor, stored.ticket):
        raise NotFound(_("There is no such time entry, or it is not yours to see."))
    terms = selectors.terms_of(stored.contract)
    month_open = stored.contract is None or _locked_month(stored.contract, stored.month).closed_at is None
    if not month_open:
        raise PermissionDenied(
            _("%(month)s is closed: ask a service manager for an adjustment with a reason in an open month.")
            % {"month": stored.month.strftime("%Y-%m")}
        )
    may_change = permissions.can_change_entry(
        actor, author_id=stored.author_id, created_at=stored.created_at, window_hours=terms.edit_window_hours,
        month_open=month_open, at=now(),
    )  # fmt: skip
    if not may_change:
        raise PermissionDenied(
            _("This entry can no longer be changed: ask a service manager for an adjustment with a reason.")
        )
    return stored


def time_entry_delete(*, actor: User, entry: TimeEntry) -> None:
    """Delete the author's own entry within the edit window while its month is open, recording what it was on the
    audit trail. An entry an adjustment refers to stays (the adjustment explains it)."""
    with transaction.atomic():
        stored = _entry_for_change(actor, entry)
        if LedgerAdjustment.objects.filter(entry=stored).exists():
            raise PermissionDenied(_("An adjustment refers to this entry: it stays, and the adjustment explains it."))
        before = snapshot(stored)
        audit_record(actor=actor, action=AuditAction.DELETED, instance=stored, changes=diff(before, {}))
        stored.delete()
