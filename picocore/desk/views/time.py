"""Time on a ticket: the consultant logs it beside the contract's remaining hours, and sees what was logged."""

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.errors import NotFound, PicoCoreError
from picocore.core.forms import show_service_errors
from picocore.desk.views.common import desk_page, error_text
from picocore.hours import selectors
from picocore.hours.approvals import overage_ask
from picocore.hours.forms import OverageAskForm, TimeEntryForm
from picocore.hours.models import OverageApproval
from picocore.hours.services import time_log
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tickets.queues import desk_ticket_get


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
        if form.is_valid():
            data = form.cleaned_data
            started_at = None
            if data["started_at"] is not None:
                zone = zoneinfo.ZoneInfo(ticket.organisation.time_zone)
                started_at = dt.datetime.combine(data["work_date"], data["started_at"], tzinfo=zone)
            try:
                time_log(
                    actor=request.user, ticket=ticket, minutes=data["duration"], work_date=data["work_date"],
                    started_at=started_at, billable=data["billable"],
                    non_billable_reason="" if data["billable"] else data["non_billable_reason"],
                    description=data["description"],
                )  # fmt: skip
            except NotFound:
                raise
            except PicoCoreError as error:
                show_service_errors(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Time logged."))
                return redirect(reverse("desk:ticket_time", kwargs={"key": ticket.key}))
        else:
            status = 400
    contract = selectors.contract_on(ticket.organisation, today)
    entries = ticket.time_entries.select_related("author").order_by("-work_date", "-id")
    context = {
        "ticket": ticket,
        "form": form,
        "contract": contract,
        "figures": selectors.bank_month(contract, today) if contract is not None else None,
        "entries": entries[:100],
        "approvals": OverageApproval.objects.filter(ticket=ticket)
        .select_related("asked_by", "decided_by")
        .order_by("-asked_at")[:10],
        "ask_form": OverageAskForm(),
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
