"""The hour bank on the desk: per contract and month, its figures, adjustments with their reasons, and closing
the month. Staff serving the customer read it; service managers adjust and close, after a fresh proof (step-up:
what the bank holds is what the customer is billed). The proof is asked only once the contract is found and the
person may manage its bank, so that anyone else still gets the 404 or refusal they would get without it."""

import datetime as dt
import re

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from picocore.accounts.stepup import recent_proof, step_up_redirect, step_up_url
from picocore.contracts.models import Contract
from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, PicoCoreError
from picocore.core.forms import show_service_errors
from picocore.desk.views.common import desk_page, error_text
from picocore.hours import selectors
from picocore.hours.forms import AdjustmentForm
from picocore.hours.permissions import can_manage_bank
from picocore.hours.services import ledger_adjust, ledger_close
from picocore.tenancy.http import AuthenticatedRequest

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_from(text: str) -> dt.date:
    """The first day of the month named "YYYY-MM"; NotFound for anything else (as for a missing page)."""
    match = MONTH.match(text)
    if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2999:
        raise NotFound(_("There is no such month: give it as YYYY-MM."))
    return dt.date(int(match[1]), int(match[2]), 1)


def _month_url(contract: Contract, month: dt.date) -> str:
    return reverse("desk:hours_month", kwargs={"contract_id": contract.pk, "month": f"{month:%Y-%m}"})


@require_GET
@desk_page
def hours_list(request: AuthenticatedRequest) -> HttpResponse:
    """The contracts of the customers the person serves, each linked to its bank's current month."""
    contracts = selectors.desk_contracts(actor=request.user)
    rows = [(contract, organisation_date(contract.organisation, now()).replace(day=1)) for contract in contracts]
    return render(request, "desk/hours_list.html", {"nav": "hours", "rows": rows})


def _proof_missing(request: AuthenticatedRequest, contract: Contract, month: dt.date) -> HttpResponse | None:
    """The step-up page (back to the month) when a service manager of the bank has not proved themselves
    recently; None otherwise, and for everyone else, whom the service refuses."""
    if can_manage_bank(request.user, contract.organisation) and not recent_proof(request):
        return step_up_redirect(request, _month_url(contract, month))
    return None


def _month_page(request: AuthenticatedRequest, contract: Contract, month: dt.date, *,
                form: AdjustmentForm | None = None, error: str = "", status: int = 200) -> HttpResponse:  # fmt: skip
    today = organisation_date(contract.organisation, now())
    page = selectors.hours_page(viewer=request.user, contract=contract, month=month, today=today)
    may_manage = can_manage_bank(request.user, contract.organisation)
    entry_id = request.GET.get("entry", "")
    initial = {"entry": entry_id} if entry_id.isdigit() and len(entry_id) < 12 else {}
    context = {
        "nav": "hours",
        "contract": contract,
        "page": page,
        "month": page.month,
        "previous": (page.month - dt.timedelta(days=1)).replace(day=1),
        "next": selectors.month_after(page.month),
        "closed_row": selectors.closed_month_row(contract, page.month) if page.closed else None,
        "adjustments": selectors.month_adjustments(contract, page.month),
        "may_manage": may_manage,
        "may_close": may_manage and not page.closed and page.month < today.replace(day=1),
        "step_up": step_up_url(_month_url(contract, page.month)) if may_manage and not recent_proof(request) else "",
        "form": form or AdjustmentForm(initial=initial),
        "error": error,
    }  # fmt: skip
    return render(request, "desk/hours_month.html", context, status=status)


@require_GET
@desk_page
def hours_month(request: AuthenticatedRequest, contract_id: int, month: str) -> HttpResponse:
    """One month of one contract's bank: its figures (frozen when closed), its adjustments and the lines per
    ticket; for service managers the adjustment form and, for a month that has ended, closing it."""
    contract = selectors.desk_contract_get(actor=request.user, contract_id=contract_id)
    return _month_page(request, contract, month_from(month))


@require_POST
@desk_page
def hours_adjust(request: AuthenticatedRequest, contract_id: int, month: str) -> HttpResponse:
    """Add or charge minutes to the month with a reason (service managers); back to the month, or the month with
    what was wrong and nothing changed."""
    contract = selectors.desk_contract_get(actor=request.user, contract_id=contract_id)
    first = month_from(month)
    if (asked := _proof_missing(request, contract, first)) is not None:
        return asked
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        return _month_page(request, contract, first, form=form, error=_("The adjustment was not recorded: see below."),
                           status=400)  # fmt: skip
    data = form.cleaned_data
    try:
        entry = selectors.contract_entry(contract, data["entry"]) if data["entry"] else None
    except NotFound as missing:  # a number typed in the form: the form's mistake, not a missing page
        form.add_error("entry", missing.message)
        return _month_page(request, contract, first, form=form, error=missing.message, status=400)
    try:
        ledger_adjust(actor=request.user, contract=contract, month=first, minutes=data["signed_minutes"],
                      reason=data["reason"], entry=entry)  # fmt: skip
    except PicoCoreError as error:
        show_service_errors(form, error)
        return _month_page(request, contract, first, form=form, error=error_text(error), status=error.status_code)
    messages.success(request, _("Adjustment recorded."))
    return redirect(_month_url(contract, first))


@require_POST
@desk_page
def hours_close(request: AuthenticatedRequest, contract_id: int, month: str) -> HttpResponse:
    """Close the month (and any open month before it), freezing its figures (service managers); back to it, or,
    refused, the month saying why (403, as for an adjustment)."""
    contract = selectors.desk_contract_get(actor=request.user, contract_id=contract_id)
    first = month_from(month)
    if (asked := _proof_missing(request, contract, first)) is not None:
        return asked
    try:
        closed = ledger_close(actor=request.user, contract=contract, through=first)
    except NotFound:
        raise
    except PermissionDenied as refused:
        return _month_page(request, contract, first, error=refused.message, status=refused.status_code)
    except PicoCoreError as error:
        messages.error(request, error_text(error))
    else:
        if closed:
            messages.success(
                request, _("Closed: %(months)s.") % {"months": ", ".join(f"{row.month:%Y-%m}" for row in closed)}
            )
        else:
            messages.error(request, _("%(month)s was closed already.") % {"month": f"{first:%Y-%m}"})
    return redirect(_month_url(contract, first))
