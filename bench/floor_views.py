"""The floor of each measured page: a bare Django view that runs the same selector (so the same queries) as the
real page and renders what it found with a minimal template, behind the same middleware (sessions, sign-in,
CSRF, security headers). A real page's time divided by its floor's is what the page costs beyond the database
work it cannot avoid. The submission's floor is a view doing one INSERT of a ticket row and a redirect.

Served only by bench/floor.py's worker processes (`floor_settings.ROOT_URLCONF`), never by the application.
"""

import itertools
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import include, path
from django.utils import timezone

from picocore.catalog.selectors import offered_request_type_get
from picocore.cmdb.models import Environment, Solution
from picocore.core.clock import now
from picocore.portal.context import current_membership
from picocore.portal.forms import STATUS_GROUPS
from picocore.tickets.models import Ticket
from picocore.tickets.queues import Filters, desk_ticket_get, desk_timeline, queue_page, sort_for
from picocore.tickets.selectors import PortalFilters, portal_request_page, portal_ticket_get, public_timeline

FLOOR_TITLE = "bench/floor.py: one INSERT"  # the rows the submission floor writes; the worker removes them
_numbers = itertools.count(1)
INSERT_LIKE: Ticket | None = None  # the worker sets it before the first request


def _template(source: str):
    return engines["django"].from_string("<!doctype html><title>floor</title><main>" + source + "</main>")


ROWS = _template(
    "<table>{% for t in rows %}<tr><td><a href='/{{ t.key }}/'>{{ t.key }}</a></td><td>{{ t.title }}</td>"
    "<td>{{ t.status }}</td><td>{{ t.priority }}</td><td>{{ t.organisation_id }}</td>"
    "<td>{{ t.assignee_id|default:'' }}</td><td>{{ t.updated_at|date:'Y-m-d H:i' }}</td></tr>{% endfor %}</table>"
)
TICKET = _template(
    "<h1>{{ ticket.key }} {{ ticket.title }}</h1><p>{{ ticket.status }} {{ ticket.organisation.name }}</p>"
    "<p>{{ ticket.description|linebreaksbr }}</p><ol>{% for e in events %}<li>{{ e.kind }} "
    "{{ e.actor.full_name|default:'' }} {{ e.created_at|date:'Y-m-d H:i' }}<div>{{ e.body|linebreaksbr }}</div>"
    "{% for a in e.attachments.all %}<a href='/{{ a.pk }}/'>{{ a.pk }}</a>{% endfor %}</li>{% endfor %}</ol>"
)
FORM = _template(
    "<h1>{{ request_type.name }}</h1><form method='post'><input name='title'><textarea name='description'>"
    "</textarea>{% for f in request_type.fields.all %}<label>{{ f.label }}<input name='{{ f.key }}'></label>"
    "{% endfor %}<select name='solution'>{% for s in solutions %}<option value='{{ s.pk }}'>{{ s.name }}</option>"
    "{% endfor %}</select><select name='environment'>{% for e in environments %}<option value='{{ e.pk }}'>"
    "{{ e.solution.name }} {{ e.kind }}</option>{% endfor %}</select><button>Send</button></form>"
)


def _render(template, request, context) -> HttpResponse:
    return HttpResponse(template.render(context, request))


def _in_organisation_time(view):
    """What the portal's views get: the current membership, times in its organisation's zone."""

    @login_required
    def wrapper(request, *args, **kwargs):
        membership = current_membership(request)
        with timezone.override(zoneinfo.ZoneInfo(membership.organisation.time_zone)):
            return view(request, membership, *args, **kwargs)

    return wrapper


@login_required
def queue(request, slug: str) -> HttpResponse:
    page = queue_page(actor=request.user, slug=slug, filters=Filters(), sort=sort_for(slug, None), cursor=None)
    return _render(ROWS, request, {"rows": page.rows})


@login_required
def desk_ticket(request, key: str) -> HttpResponse:
    ticket = desk_ticket_get(actor=request.user, key=key)
    return _render(TICKET, request, {"ticket": ticket, "events": list(desk_timeline(ticket))})


@_in_organisation_time
def portal_home(request, membership) -> HttpResponse:
    page = portal_request_page(
        actor=request.user,
        organisation=membership.organisation,
        whole_organisation=membership.sees_whole_organisation,
        filters=PortalFilters(statuses=STATUS_GROUPS["open"]),
        cursor=None,
        size=25,
    )
    return _render(ROWS, request, {"rows": page.rows})


@_in_organisation_time
def portal_request(request, membership, key: str) -> HttpResponse:
    ticket = portal_ticket_get(actor=request.user, key=key)
    return _render(TICKET, request, {"ticket": ticket, "events": list(public_timeline(ticket))})


@_in_organisation_time
def portal_form(request, membership, slug: str) -> HttpResponse:
    organisation = membership.organisation
    request_type = offered_request_type_get(organisation=organisation, slug=slug)
    context = {
        "request_type": request_type,
        "solutions": list(Solution.objects.filter(organisation=organisation).order_by("name")),
        "environments": list(
            Environment.objects.filter(organisation=organisation)
            .select_related("solution")
            .order_by("solution__name", "kind")
        ),
    }
    return _render(FORM, request, context)


@login_required
def insert(request) -> HttpResponse:
    """One INSERT of a ticket row (autocommit: one commit), then a redirect: the least a submission can cost."""
    if request.method != "POST":
        return HttpResponse(status=405)
    template = INSERT_LIKE  # set by the worker: a ticket of the customer's, whose references the row copies
    assert template is not None
    number = 2_000_000_000 + next(_numbers)
    moment = now()
    Ticket.objects.create(
        organisation_id=template.organisation_id,
        number=number,
        key=f"FLOOR-{number}",
        ticket_type=template.ticket_type,
        request_type_id=template.request_type_id,
        title=FLOOR_TITLE,
        description=request.POST.get("description", ""),
        answers=[],
        requester=request.user,
        impact=template.impact,
        urgency=template.urgency,
        priority=template.priority,
        priority_reason=template.priority_reason,
        team_id=template.team_id,
        created_at=moment,
        updated_at=moment,
    )
    return redirect("/floor/portal/")


floor_patterns = [
    path("queue/<slug:slug>/", queue),
    path("desk-ticket/<str:key>/", desk_ticket),
    path("portal/", portal_home),
    path("portal/request/<str:key>/", portal_request),
    path("portal/new/<slug:slug>/", portal_form),
    path("portal/insert/", insert),
]
urlpatterns = [path("floor/", include(floor_patterns)), path("", include("picocore.config.urls"))]
