"""The customer's known issues: `/portal/knowledge/known-issues/` — the known errors the service team has published
for the current organisation (those whose components or incidents they affect), open ones first, fixed ones after —
and `/portal/knowledge/known-issues/<id>/`, one of them. Another organisation's known issue, a withdrawn one and a
missing one are the same 404."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from picocore.core.errors import NotFound
from picocore.portal.context import portal_memberships
from picocore.portal.views import portal_page
from picocore.problems.selectors import portal_known_issue_get, portal_known_issues
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Membership


@require_GET
@portal_page
def known_issues(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "nav": "known_issues",
        "issues": portal_known_issues(actor=request.user, organisation=membership.organisation),
    }
    return render(request, "problems/portal_list.html", context)


@require_GET
@portal_page
def known_issue(request: AuthenticatedRequest, membership: Membership, issue_id: int) -> HttpResponse:
    try:
        issue = portal_known_issue_get(actor=request.user, organisation=membership.organisation, pk=issue_id)
    except NotFound:
        raise Http404 from None
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "nav": "known_issues",
        "issue": issue,
    }
    return render(request, "problems/portal_detail.html", context)
