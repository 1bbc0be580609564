"""The customer's landscape in the portal: `/portal/landscape/` — the current organisation's solutions,
environments and components, read-only, with what reaches its end of life within 90 days, and "Report an
incident" on each component (the incident form with its solution, environment and component filled in)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from picocore.catalog.choices import FieldKind, TicketType
from picocore.catalog.selectors import offered_request_types
from picocore.cmdb.selectors import portal_landscape
from picocore.core.errors import NotFound
from picocore.portal.context import portal_memberships
from picocore.portal.views import portal_page
from picocore.tenancy.http import AuthenticatedRequest


def _incident_form_url(organisation) -> str | None:
    """The first offered incident type whose form asks for the landscape, if any."""
    incident = (
        offered_request_types(organisation=organisation)
        .filter(ticket_type=TicketType.INCIDENT, fields__kind__in=(FieldKind.SOLUTION, FieldKind.ENVIRONMENT))
        .distinct()
        .only("slug")
        .first()
    )
    return reverse("portal:new_request", args=[incident.slug]) if incident is not None else None


@require_GET
@portal_page
def landscape(request: AuthenticatedRequest, membership) -> HttpResponse:
    try:
        view = portal_landscape(actor=request.user, organisation=membership.organisation)
    except NotFound:
        raise Http404 from None
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "nav": "landscape",
        "landscape": view,
        "report_url": _incident_form_url(membership.organisation),
    }
    return render(request, "cmdb/portal_landscape.html", context)
