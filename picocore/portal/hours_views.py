"""The customer's hour bank: `/portal/hours/` for customer admins (and requesters where the contract's terms
allow): the month's figures, a burn-down, the time per ticket, and the months before."""

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.errors import NotFound, ValidationError
from picocore.hours import selectors
from picocore.hours.approvals import overage_decide, pending_approvals
from picocore.hours.charts import burn_down
from picocore.hours.permissions import can_see_hours
from picocore.portal.context import portal_memberships
from picocore.portal.views import portal_page
from picocore.tenancy.http import AuthenticatedRequest


def _month_asked(text: str, today: dt.date) -> tuple[dt.date, str]:
    """The month in `?month=YYYY-MM` (this month when absent) and, when it cannot be read, why."""
    if not text:
        return today.replace(day=1), ""
    try:
        asked = dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        return today.replace(day=1), _("“%(month)s” is not a month (write it as 2027-01); this month is shown.") % {
            "month": text[:20]
        }
    if asked > today:
        return today.replace(day=1), _("%(month)s has not begun; this month is shown.") % {"month": text[:20]}
    return asked, ""


@require_GET
@portal_page
def hours(request: AuthenticatedRequest, membership) -> HttpResponse:
    organisation = membership.organisation
    today = organisation_date(organisation, now())
    month, problem = _month_asked(request.GET.get("month", ""), today)
    contract = selectors.contract_on(organisation, min(today, selectors.last_day_of(month)))
    terms = selectors.terms_of(contract)
    context = {"membership": membership, "memberships": portal_memberships(request), "nav": "hours"}
    if contract is None or not can_see_hours(request.user, organisation, requesters_see=terms.requesters_see_hours):
        # Nothing here is secret: the page says who sees the organisation's hours.
        return render(request, "portal/hours_unavailable.html", context)
    page = selectors.hours_page(viewer=request.user, contract=contract, month=month, today=today)
    days_in_month = selectors.days_in(page.month)
    context |= {
        "page": page,
        "approvals": pending_approvals(actor=request.user, organisation_id=organisation.pk),
        "problem": problem,
        "chart": burn_down(available=page.figures.available, days=page.remaining_by_day, days_in_month=days_in_month)
        if page.has_bank else "",
    }  # fmt: skip
    return render(request, "portal/hours.html", context, status=400 if problem else 200)


@require_POST
@portal_page
def approval_decide(request: AuthenticatedRequest, approval_id: int, membership) -> HttpResponse:
    """A customer admin approves or declines work beyond the hours left; back to the hours page."""
    choice = request.POST.get("decision", "")
    if choice not in ("approve", "decline"):
        messages.error(request, _("Choose to approve or to decline."))
        return redirect(reverse("portal:hours"))
    try:
        approval = overage_decide(actor=request.user, approval_id=approval_id, approve=choice == "approve",
                                  note=request.POST.get("note", ""))  # fmt: skip
    except NotFound:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        values = {"key": approval.ticket.key, "decision": approval.get_decision_display()}
        messages.success(request, _("%(key)s: %(decision)s.") % values)
    return redirect(reverse("portal:hours"))
