"""Time on a ticket: the consultant logs it beside the contract's remaining hours, and sees what was logged."""

import zoneinfo
from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, PicoCoreError
from picocore.core.forms import show_service_errors
from picocore.desk.views.common import desk_page, error_text
from picocore.development.models import DevelopmentItem
from picocore.hours import selectors
from picocore.hours.approvals import overage_ask
from picocore.hours.charts import hours_text
from picocore.hours.forms import (
    OverageAskForm,
    TimeEntryForm,
    TimerActionForm,
    TimerStopForm,
    billing_choices,
)
from picocore.hours.models import OverageApproval, TimeEntry
from picocore.hours.permissions import can_manage_bank
from picocore.hours.services import (
    time_entry_change,
    time_entry_delete,
    time_log,
    timer_discard,
    timer_elapsed,
    timer_running,
    timer_start,
    timer_stop,
)
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Organisation, User
from picocore.tickets.models import Ticket
from picocore.tickets.queues import desk_ticket_get


def write_entry(form: TimeEntryForm, organisation: Organisation, write: Callable[..., object]) -> int | None:
    """Validate the time form and pass its entry to `write` (logging or changing it): None when it is written,
    else the status to show the form with, what was wrong on it (404s are raised, as for a missing page)."""
    if not form.is_valid():
        return 400
    try:
        write(**form.entry(organisation))
    except NotFound:
        raise
    except PicoCoreError as error:
        show_service_errors(form, error)
        return error.status_code
    return None


@require_http_methods(["GET", "POST"])
@desk_page
def ticket_time(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """GET: the ticket's time and the form; POST: log an entry (back here with a confirmation, or the form with
    what was wrong and nothing saved)."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    today = organisation_date(ticket.organisation, now())
    form = TimeEntryForm(request.POST if request.method == "POST" else None, today=today)
    status = 200
    if request.method == "POST":
        refused = write_entry(form, ticket.organisation, partial(time_log, actor=request.user, ticket=ticket))
        if refused is None:
            messages.success(request, _("Time logged."))
            return redirect(reverse("desk:ticket_time", kwargs={"key": ticket.key}))
        status = refused
    contract = selectors.contract_on(ticket.organisation, today)
    entries = ticket.time_entries.select_related("author").order_by("-work_date", "-id")
    shown = list(entries[:100])
    editability = selectors.entries_editability(request.user, shown, at=now())
    context = {
        "ticket": ticket,
        "form": form,
        "contract": contract,
        "figures": selectors.bank_month(contract, today) if contract is not None else None,
        "entries": [(entry, editability[entry.pk]) for entry in shown],
        "may_adjust": can_manage_bank(request.user, ticket.organisation),
        "approvals": OverageApproval.objects.filter(ticket=ticket)
        .select_related("asked_by", "decided_by")
        .order_by("-asked_at")[:10],
        "ask_form": OverageAskForm(),
        **timer_context(request.user, ticket=ticket),
        "totals": entries.aggregate(count=Count("id"), worked=Sum("minutes"), debited=Sum("debited_minutes")),
    }
    return render(request, "desk/ticket_time.html", context, status=status)


@require_POST
@desk_page
def ticket_overage_ask(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Ask the customer's admins to approve work beyond the hours left; back to the time page."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    form = OverageAskForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            overage_ask(actor=request.user, ticket=ticket, estimated_minutes=form.cleaned_data["estimate"],
                        note=form.cleaned_data["note"])  # fmt: skip
        except NotFound:
            raise
        except PicoCoreError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("The customer's admins are asked to approve."))
    return redirect(reverse("desk:ticket_time", kwargs={"key": ticket.key}))


def timer_context(actor: User, *, ticket: Ticket, development_item: DevelopmentItem | None = None) -> dict:
    """What the timer partial (desk/timer.html) shows on the page of the ticket's time, or of `development_item`:
    the caller's running timer, whether it runs here, for how long, and the billing choices to stop it with."""
    timer = timer_running(actor=actor)
    here = (
        timer is not None
        and timer.ticket_id == ticket.pk
        and timer.development_item_id == (development_item.pk if development_item is not None else None)
    )
    return {
        "timer": timer,
        "timer_here": here,
        "timer_minutes": timer_elapsed(timer, now()) if timer is not None else 0,
        "billing_choices": billing_choices(),
    }


def timer_act(
    request: AuthenticatedRequest, *, ticket: Ticket, development_item: DevelopmentItem | None = None
) -> None:
    """Start, stop (logging the time it ran, as billed and described in the form) or discard the caller's timer on
    the ticket (on `development_item` when given), saying what happened, or why nothing did, as a message."""
    action = TimerActionForm(request.POST)
    stop = TimerStopForm(request.POST)
    if not action.is_valid():
        messages.error(request, _("Choose to start, stop or discard the timer."))
        return
    try:
        match action.cleaned_data["action"]:
            case "start":
                timer_start(actor=request.user, ticket=ticket, development_item=development_item)
                messages.success(request, _("Timer started. It keeps running if you leave this page."))
            case "stop":
                if not stop.is_valid():
                    messages.error(request, " ".join(str(e) for errors in stop.errors.values() for e in errors))
                    return
                reason = stop.reason()
                entry = timer_stop(actor=request.user, ticket=ticket, development_item=development_item,
                                   billable=not reason, non_billable_reason=reason,
                                   description=stop.cleaned_data["description"])  # fmt: skip
                messages.success(request, _("Timer stopped: %(time)s logged.") % {"time": hours_text(entry.minutes)})
            case "discard":
                if timer_discard(actor=request.user, ticket=ticket, development_item=development_item):
                    messages.success(request, _("Timer discarded; no time was logged."))
                else:
                    messages.error(request, _("No timer of yours is running on %(key)s.") % {"key": ticket.key})
    except NotFound:
        raise
    except PicoCoreError as error:
        messages.error(request, error_text(error))


@require_POST
@desk_page
def ticket_timer(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Start, stop (logging the time it ran, as billed and described in the form) or discard the caller's timer on
    the ticket; back to the time page with what happened, or with why nothing did."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    timer_act(request, ticket=ticket)
    return redirect(reverse("desk:ticket_time", kwargs={"key": ticket.key}))


def _entry_of(ticket, entry_id: int) -> TimeEntry:
    """The ticket's entry `entry_id` (404 for one of another ticket, as for a missing one)."""
    entry = ticket.time_entries.select_related("author", "contract").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("There is no such time entry on this ticket."))
    return entry


@require_http_methods(["GET", "POST"])
@desk_page
def ticket_time_entry(request: AuthenticatedRequest, key: str, entry_id: int) -> HttpResponse:
    """GET: the author's entry in a form (or why it can no longer be changed); POST: save the change (back to the
    time page), or the form with what was wrong and nothing changed."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    entry = _entry_of(ticket, entry_id)
    form = _entry_form(request if request.method == "POST" else None, ticket, entry)
    status = None
    if request.method == "POST":
        refused = write_entry(form, ticket.organisation, partial(time_entry_change, actor=request.user, entry=entry))
        if refused is None:
            messages.success(request, _("Time entry changed."))
            return redirect(reverse("desk:ticket_time", kwargs={"key": ticket.key}))
        status = refused
    return _entry_page(request, ticket, entry, form=form, status=status)


def _entry_form(request: AuthenticatedRequest | None, ticket: Ticket, entry: TimeEntry) -> TimeEntryForm:
    """The entry's form, bound to `request`'s POST when given, else filled with what the entry holds."""
    initial = {
        "duration": entry.minutes, "work_date": entry.work_date, "billable": entry.billable,
        "non_billable_reason": entry.non_billable_reason, "description": entry.description,
        "started_at": entry.started_at.astimezone(zoneinfo.ZoneInfo(ticket.organisation.time_zone)).time()
        if entry.started_at else None,
    }  # fmt: skip
    today = organisation_date(ticket.organisation, now())
    return TimeEntryForm(request.POST if request is not None else None, today=today, initial=initial)


def _entry_page(request: AuthenticatedRequest, ticket: Ticket, entry: TimeEntry, *, form: TimeEntryForm,
                error: str = "", status: int | None = None) -> HttpResponse:  # fmt: skip
    """The entry's page: its form for whoever may still change it, else why not (403, as for `error`, why an
    action on it was refused)."""
    editable = selectors.entry_editable(request.user, entry)
    context = {"ticket": ticket, "entry": entry, "form": form, "editable": editable, "error": error}
    if status is None:
        status = 200 if editable.allowed else 403
    return render(request, "desk/ticket_time_entry.html", context, status=status)


@require_POST
@desk_page
def ticket_time_entry_delete(request: AuthenticatedRequest, key: str, entry_id: int) -> HttpResponse:
    """Delete the author's entry inside the edit window; back to the time page with what happened, or, refused, the
    entry's page saying why (403, as changing it is)."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    entry = _entry_of(ticket, entry_id)
    try:
        time_entry_delete(actor=request.user, entry=entry)
    except NotFound:
        raise
    except PermissionDenied as refused:
        form = _entry_form(None, ticket, entry)
        return _entry_page(request, ticket, entry, form=form, error=refused.message, status=refused.status_code)
    except PicoCoreError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Time entry deleted."))
    return redirect(reverse("desk:ticket_time", kwargs={"key": ticket.key}))
