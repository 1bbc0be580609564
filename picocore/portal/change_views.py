"""The customer's change pages: `/portal/changes/` (the organisation's changes and their calendar, and for customer
admins the organisation's calendar feed), `/portal/changes/<id>/` (one change, read only, with the approve/reject
form for the signed-in approver asked to decide it), and the approval link of the e-mail,
`/changes/approve/<token>/`, which needs no sign-in: its GET shows the change and the form and never decides; its
POST decides; and the secret calendar feed `/changes/feeds/<token>.ics` (no sign-in; an unknown token is a 404).
Another organisation's change, a draft, or a missing one is the same 404."""

import zoneinfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.changes import calendar, feeds
from picocore.changes.approvals import (
    ApprovalState,
    approval_state,
    approver_request_for,
    customer_decide,
    open_for_decision,
)
from picocore.changes.calendar import month_links, parse_month
from picocore.changes.choices import Decision
from picocore.changes.links import LinkRefused, link_request
from picocore.changes.models import Change, CustomerDecision
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.params import parse_id
from picocore.portal.context import portal_memberships
from picocore.portal.views import FORM_ORGANISATION, portal_page
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Membership


@require_GET
@portal_page
def portal_changes(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    zone = zoneinfo.ZoneInfo(membership.organisation.time_zone)
    year, month, problem = parse_month(request.GET.get("month", ""), timezone.localdate(now(), zone))
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "nav": "changes",
        "changes": calendar.portal_change_list(actor=request.user, membership=membership),
        "agenda": calendar.portal_calendar(
            actor=request.user, membership=membership, period=calendar.month_period(year, month, zone)
        ),
        "months": month_links(year, month),
        "problem": problem,
        "may_make_feed": feeds.may_make_organisation_feed(request.user, membership.organisation_id),
        "feed_url": request.session.pop("changes_new_feed_url", ""),
    }
    return render(request, "changes/portal_list.html", context, status=400 if problem else 200)


@require_POST
@portal_page
def portal_feed(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    """A customer admin makes (or replaces) the organisation's feed; its address is shown once, on the next page.
    The form names the organisation it was shown for: a form of another one (another tab) is refused."""
    if parse_id(request.POST.get(FORM_ORGANISATION, "")) != membership.organisation_id:
        raise Http404
    try:
        made = feeds.organisation_feed_make(actor=request.user, organisation_id=membership.organisation_id)
    except (NotFound, PermissionDenied):
        raise Http404 from None
    request.session["changes_new_feed_url"] = request.build_absolute_uri(
        reverse("changes_public:feed", args=[made.token])
    )
    messages.success(request, _("A new calendar address was made; the old one no longer works."))
    return redirect(reverse("portal:changes") + "#feed")


def _decision_form_context(
    change: Change, state: ApprovalState, *, problem: str = "", errors: dict[str, list[str]] | None = None
) -> dict[str, object]:
    deciding = open_for_decision(change)
    return {"change": change, "state": state, "deciding": deciding, "problem": problem, "errors": errors or {}}


@require_http_methods(["GET", "POST"])
@portal_page
def portal_change(request: AuthenticatedRequest, change_id: int, membership: Membership) -> HttpResponse:
    """One change; the asked approver's POST approves or rejects it."""
    change = calendar.portal_change_get(actor=request.user, membership=membership, change_id=change_id)
    if change is None:
        raise Http404
    status = 200
    problem, errors = "", {}  # type: ignore[var-annotated]
    if request.method == "POST":
        try:
            result = customer_decide(
                actor=request.user, change_id=change.pk, decision=request.POST.get("decision", "")[:20],
                reason=request.POST.get("reason", "")[:5000],
            )  # fmt: skip
        except NotFound:
            raise Http404 from None
        except (PermissionDenied, ValidationError) as error:
            problem, status = error.message, getattr(error, "status_code", 400)
            errors = getattr(error, "field_errors", {})
        else:
            messages.success(
                request,
                _("%(key)s: %(decision)s. Thank you.")
                % {"key": change.key, "decision": result.decision.get_decision_display()},
            )
            return redirect(reverse("portal:change", args=[change.pk]))
    asked = approver_request_for(request.user, change)
    decided = (
        CustomerDecision.objects.filter(change=change, contact_id=asked.contact_id, round=change.approval_round).first()
        if asked
        else None
    )
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "nav": "changes",
        "asked": asked,
        "decided": decided,
        "reason_text": request.POST.get("reason", "")[:1000] if request.method == "POST" else "",
        **_decision_form_context(change, approval_state(change), problem=problem, errors=errors),
    }
    return render(request, "changes/portal_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def approval_link(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail's link: no sign-in. GET shows the change and the form; POST decides (once)."""
    try:
        asked = link_request(token)
    except LinkRefused as refused:
        return render(request, "changes/portal_link_refused.html", {"message": refused.message}, status=410)
    change = asked.change
    zone = zoneinfo.ZoneInfo(change.organisation.time_zone)
    problem, errors, status = "", {}, 200  # type: ignore[var-annotated]
    if request.method == "POST":
        decision = request.POST.get("decision", "")[:20]
        try:
            result = customer_decide(
                actor=request.user if request.user.is_authenticated else None, change_id=change.pk,
                decision=decision, reason=request.POST.get("reason", "")[:5000], token=token,
            )  # fmt: skip
        except LinkRefused as refused:
            return render(request, "changes/portal_link_refused.html", {"message": refused.message}, status=410)
        except NotFound:
            raise Http404 from None
        except (PermissionDenied, ValidationError) as error:
            problem, status = error.message, getattr(error, "status_code", 400)
            errors = getattr(error, "field_errors", {})
        else:
            with timezone.override(zone):
                return render(request, "changes/portal_link_done.html", {"change": change, "result": result})
    context = {
        "asked": asked,
        "decisions": Decision,
        "reason_text": request.POST.get("reason", "")[:1000] if request.method == "POST" else "",
        **_decision_form_context(change, approval_state(change), problem=problem, errors=errors),
    }
    with timezone.override(zone):
        return render(request, "changes/portal_link.html", context, status=status)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = feeds.feed_get(token)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(feeds.feed_calendar(found), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
