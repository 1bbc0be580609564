"""The organisation's access log: `/portal/access-log/` for its customer admins — which member of staff opened
which of the organisation's requests, and when — with filters, in pages by keyset, and as CSV. Anyone else
(a requester, another organisation's admin) gets the same 404 as a page that does not exist, and so does a
filter naming a request of another organisation or a member of staff the log does not show."""

import csv
import datetime as dt
from collections.abc import Iterator

from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from picocore.audit.models import StaffAccess
from picocore.audit.permissions import can_read_access_log
from picocore.audit.selectors import AccessFilters, access_log_page, access_log_rows, access_log_staff
from picocore.core.errors import NotFound
from picocore.core.pagination import query_without_cursor
from picocore.portal.context import portal_memberships
from picocore.portal.forms import AccessLogFiltersForm
from picocore.portal.views import portal_page
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Membership
from picocore.tickets.models import Ticket
from picocore.tickets.selectors import portal_ticket_get

# A cell starting with one of these is a formula to a spreadsheet; titles and names are data, so they are quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the organisation's time zone (the portal page's current one)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filters(
    request: AuthenticatedRequest, membership: Membership
) -> tuple[AccessLogFiltersForm, AccessFilters | None, Ticket | None]:
    """The filter form, what it asks for (None when a filter could not be read: the page says which and lists
    nothing) and the request it names. Http404 for anyone who may not read the log, for a request that is not
    one of the organisation's and for a member of staff the log does not show."""
    organisation = membership.organisation
    if not can_read_access_log(request.user, organisation, role=membership.role):
        raise Http404
    staff = access_log_staff(actor=request.user, organisation=organisation, role=membership.role)
    form = AccessLogFiltersForm(request.GET, staff=staff, key_prefix=organisation.key_prefix)
    if not form.is_valid():
        return form, None, None
    data = form.cleaned_data
    ticket = None
    if data["request"]:
        try:
            ticket = portal_ticket_get(actor=request.user, key=data["request"])
        except NotFound:
            raise Http404 from None
        if ticket.organisation_id != organisation.pk:  # one of the person's other organisations
            raise Http404
    if data["staff"] is not None and data["staff"] not in {person.pk for person in staff}:
        raise Http404
    filters = AccessFilters(
        ticket_id=ticket.pk if ticket else None,
        staff_id=data["staff"],
        since=_day_start(data["since"]) if data["since"] else None,
        until=_day_start(data["until"] + dt.timedelta(days=1)) if data["until"] else None,
    )
    return form, filters, ticket


@require_GET
@portal_page
def access_log(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    form, filters, ticket = _filters(request, membership)
    page = None
    if filters is not None:
        page = access_log_page(
            actor=request.user,
            organisation=membership.organisation,
            role=membership.role,
            filters=filters,
            cursor=form.cleaned_data["after"] or None,
        )
        if page.cursor_refused:
            form.add_error("after", AccessLogFiltersForm.CURSOR_REFUSED)
    data = form.cleaned_data
    context = {
        "nav": "access_log",
        "membership": membership,
        "memberships": portal_memberships(request),
        "page": page,
        "ticket": ticket,
        "filter_form": form,
        # The fields show what is applied, never a value that was refused.
        "shown_form": AccessLogFiltersForm(
            initial=data, staff=form.staff_choices, key_prefix=membership.organisation.key_prefix, auto_id="f-%s"
        ),
        "filtered": form.filtered() if filters is not None else True,
        "query": query_without_cursor(request),
    }
    return render(request, "portal/access_log.html", context, status=400 if form.errors else 200)


@require_GET
@portal_page
def access_log_csv(request: AuthenticatedRequest, membership: Membership) -> HttpResponseBase:
    """The filtered log as CSV, every row (streamed, one query read in chunks); a filter that cannot be read
    is a 400 with its reason, not a file answering another question."""
    form, filters, _ticket = _filters(request, membership)
    if filters is None:
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    rows = access_log_rows(
        actor=request.user, organisation=membership.organisation, role=membership.role, filters=filters
    )
    # The lines are made after the view returns: the header, the time zone and the words are fixed here.
    header = [_("When"), _("Member of staff"), _("Request"), _("Title")]
    lines = _csv_lines(rows, header=header, zone=timezone.get_current_timezone(), former=_("A former member of staff"))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"access-log-{membership.organisation.slug}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class _Line:
    """A file-like object that hands back what is written to it: csv.writer writing one line at a time."""

    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


def _csv_lines(rows: Iterator[StaffAccess], *, header: list[str], zone: dt.tzinfo, former: str) -> Iterator[str]:
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield writer.writerow(header)
    for row in rows:
        staff = row.staff
        yield writer.writerow(
            [
                row.at.astimezone(zone).isoformat(timespec="seconds"),
                _cell(staff.full_name or staff.email) if staff else former,
                row.ticket.key,
                _cell(row.ticket.title),
            ]
        )
