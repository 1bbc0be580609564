"""The service team's change calendar and approvals: `/desk/changes/calendar/` (every customer the person serves,
filtered by customer, implementer and status, a month at a time as an agenda), the CAB vote
(`/desk/changes/<id>/cab/`, POST, service managers), the desk's calendar feeds (`/desk/changes/feeds/`, POST: a
consultant's own, or a service manager's for a customer). A change of a customer the person does not serve is
the same 404 as a missing one."""

import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from picocore.changes import calendar, feeds
from picocore.changes.approvals import cab_vote
from picocore.changes.calendar import month_links, parse_month
from picocore.changes.choices import ChangeStatus
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.params import parse_id
from picocore.desk.views.changes import change_page
from picocore.desk.views.common import desk_page, error_text, filter_choice, filter_id
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import User
from picocore.tenancy.scope import served_organisations

NEW_FEED = "changes_new_feed_url"


@require_GET
@desk_page
def desk_calendar(request: AuthenticatedRequest) -> HttpResponse:
    """A month of changes; a filter that cannot be read is named (400), not ignored."""
    return _calendar_page(request)


def _calendar_page(request: AuthenticatedRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    """The calendar, its month and filters read from the query; `error` says why an action on it was refused."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    problems: list[str] = []
    year, month, problem = parse_month(request.GET.get("month", ""), timezone.localdate(now(), zone))
    if problem:
        problems.append(problem)
    organisation_id = filter_id(request, "organisation", problems, _("Choose a customer from the list."))
    implementer_id = filter_id(request, "implementer", problems, _("Choose a consultant from the list."))
    change_status = filter_choice(request, "status", ChangeStatus.values, problems, _("Choose a status from the list."))
    organisations = list(served_organisations(request.user).order_by("name").values_list("pk", "name"))
    if organisation_id is not None and organisation_id not in {pk for pk, _name in organisations}:
        organisation_id = -1  # a customer the person does not serve: nothing, like an unknown one
    agenda = calendar.desk_calendar(
        actor=request.user, period=calendar.month_period(year, month, zone), organisation_id=organisation_id,
        implementer_id=implementer_id, status=change_status,
    )  # fmt: skip
    implementers = list(
        User.objects.filter(staff_role__in=(StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER), is_active=True)
        .order_by("full_name", "id")
        .values_list("pk", "full_name")
    )
    context = {
        "nav": "changes",
        "agenda": agenda,
        "months": month_links(year, month),
        "organisations": organisations,
        "implementers": implementers,
        "statuses": ChangeStatus.choices,
        "selected": {"organisation": organisation_id, "implementer": implementer_id, "status": change_status},
        "problems": problems,
        "query": urlencode(
            {
                k: v
                for k, v in (
                    ("organisation", organisation_id),
                    ("implementer", implementer_id),
                    ("status", change_status),
                )
                if v not in (None, "", -1)
            }
        )
        + "&"
        if (organisation_id not in (None, -1) or implementer_id or change_status)
        else "",
        "may_make_own_feed": feeds.may_make_own_feed(request.user),
        "may_make_organisation_feed": request.user.staff_role in (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR),
        "feed_url": request.session.pop(NEW_FEED, ""),
        "error": error,
    }
    with timezone.override(zone):
        return render(request, "changes/calendar.html", context, status=400 if problems else status)


@require_POST
@desk_page
def desk_cab_vote(request: AuthenticatedRequest, change_id: int) -> HttpResponse:
    """Record the service manager's CAB vote; back to the change, or, refused, the change's page saying why (403)."""
    try:
        result = cab_vote(
            actor=request.user, change_id=change_id, decision=request.POST.get("decision", "")[:20],
            reason=request.POST.get("reason", "")[:5000],
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except PermissionDenied as refused:
        return change_page(request, change_id, error=refused.message, status=refused.status_code)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request, _("Your CAB vote: %(decision)s.") % {"decision": result.decision.get_decision_display()}
        )
    return redirect(reverse("desk:change", args=[change_id]))


@require_POST
@desk_page
def desk_feed(request: AuthenticatedRequest) -> HttpResponse:
    """Make (or replace) a feed: a customer's (`organisation`, service managers) or the person's own; refused, the
    calendar says why (403)."""
    text = request.POST.get("organisation", "").strip()
    try:
        if text:
            organisation_id = parse_id(text)
            if organisation_id is None:
                raise NotFound("")
            made = feeds.organisation_feed_make(actor=request.user, organisation_id=organisation_id)
        else:
            made = feeds.own_feed_make(actor=request.user)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as refused:
        return _calendar_page(request, error=refused.message, status=refused.status_code)
    request.session[NEW_FEED] = request.build_absolute_uri(reverse("changes_public:feed", args=[made.token]))
    messages.success(request, _("A new calendar address was made; the old one no longer works."))
    return redirect(reverse("desk:changes_calendar") + "#feed")
