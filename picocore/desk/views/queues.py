"""The desk's entry point and its queues: filtered, sorted, paged lists of tickets, and bulk actions on them."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import ModelChoiceField
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from picocore.catalog.choices import Priority, TicketType
from picocore.core.clock import now
from picocore.core.errors import NotFound, PicoCoreError
from picocore.core.forms import UserContentSelect
from picocore.core.params import parse_id
from picocore.core.text import has_line_break
from picocore.desk import directory, forms
from picocore.desk.rows import options_html, queue_rows_html
from picocore.desk.views.common import desk_page, error_text
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tickets import services
from picocore.tickets.choices import staff_status_choices
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.models import SavedView
from picocore.tickets.permissions import can_change_saved_view
from picocore.tickets.queues import (
    Filters,
    can_use_desk,
    desk_tickets,
    queue_page,
    queue_rows,
    queues_for,
    saved_view_get,
    saved_view_query,
    saved_views_for,
    shareable_teams,
    sidebar_counts,
    sort_for,
    sorts_for,
)
from picocore.tickets.services import saved_views


def filters_from(data: dict) -> Filters:
    """The filters of a queue page's query string, from the fields that could be read."""
    return Filters(
        organisation=data.get("organisation"),
        ticket_type=data.get("type") or None,
        priority=data.get("priority"),
        status=data.get("status") or None,
        solution=data.get("solution"),
        assignee=data.get("assignee"),
        text=data.get("q", ""),
    )


@login_required
def desk_home(request: AuthenticatedRequest) -> HttpResponse:
    """Developers go to their backlog, everyone else who works tickets to their own queue."""
    if request.user.staff_role == StaffRole.DEVELOPER:
        return redirect("desk:development")
    if not can_use_desk(request.user):
        raise Http404
    return redirect("desk:queue", slug="mine")


def _bulk_select(name: str, choices: list[tuple[int, str]]) -> str:
    """The bulk form's team or consultant select, as its `BulkForm` field writes it unbound."""
    empty_label = cast(ModelChoiceField, forms.BulkForm.base_fields[name]).empty_label
    widget = UserContentSelect(choices=[("", empty_label), *choices])
    return widget.render(name, None, attrs={"id": f"id_{name}"})


@require_GET
@desk_page
def queue(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """One queue, filtered and sorted by the query string; a filter that cannot be read is named above the
    filters (400) and the queue is shown without it."""
    actor = request.user
    filter_form = forms.QueueFiltersForm(request.GET)
    filter_form.is_valid()
    data = filter_form.cleaned_data  # only the fields that could be read
    filters = filters_from(data)
    sort = sort_for(slug, data.get("sort") or None)
    page = queue_page(actor=actor, slug=slug, filters=filters, sort=sort, cursor=data.get("after") or None)
    moment = now()
    if page.cursor_refused:
        filter_form.add_error("after", forms.QueueFiltersForm.CURSOR_REFUSED)
    organisations = directory.organisation_choices(actor)
    organisation_ids = [pk for pk, _name in organisations]
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("view", None)
    views = saved_views_for(actor)
    counts = sidebar_counts(actor=actor, views=views)
    queues = queues_for(actor)
    rows = queue_rows(page.rows, at=moment)
    bulk_teams = directory.bulk_teams(actor)
    current_view = next((v for v in views if v.pk == data.get("view") and v.queue == slug), None)
    context = {
        "nav": "queues",
        "queue_rows": [(q, counts[q.slug]) for q in queues],
        "view_rows": [(v, counts.get(f"view-{v.pk}", 0), saved_view_query(v)) for v in views],
        "current_view": current_view,
        "may_change_view": current_view is not None and can_change_saved_view(actor, current_view),
        "share_teams": directory.own_operations_teams(actor),
        "save_query": query.urlencode(),
        "current": slug,
        "current_queue": next(q for q in queues if q.slug == slug),
        "page": page,
        "rows": rows,
        "rows_html": queue_rows_html(rows, today=localdate(moment)),
        "filters": filters,
        "sort": sort,
        "sorts": [(key, forms.SORT_LABELS[key]) for key in sorts_for(slug)],
        "query": f"{query.urlencode()}&view={data['view']}" if data.get("view") else query.urlencode(),
        "organisations": organisations,
        "organisation_options": options_html(organisations, selected=filters.organisation, user_content=True),
        # Always within the served organisations: a foreign organisation id in the filter must not list its
        # solutions.
        "solution_options": options_html(
            directory.solution_choices(organisation_ids, filters.organisation),
            selected=filters.solution,
            user_content=True,
        ),
        "consultant_options": options_html(
            directory.assignee_filter_choices(organisation_ids), selected=filters.assignee, user_content=True
        ),
        "status_options": options_html(staff_status_choices(), selected=filters.status),
        "type_options": options_html(TicketType.choices, selected=filters.ticket_type),
        "priority_options": options_html(Priority.choices, selected=filters.priority),
        "bulk_team_select": _bulk_select("team", [(team.pk, team.name) for team in bulk_teams]),
        "bulk_assignee_select": _bulk_select("assignee", directory.bulk_people(bulk_teams)),
        "bulk_action_options": options_html(forms.BulkForm.ACTIONS, selected=None),
        "bulk_status_options": options_html(forms.bulk_status_choices(), selected=None),
        "filter_form": filter_form,
    }
    return render(request, "desk/queue.html", context, status=400 if filter_form.errors else 200)


BULK_ACTIONS = {
    "take": lambda actor, ticket, data: services.ticket_take(actor=actor, ticket=ticket),
    "assign": lambda actor, ticket, data: services.ticket_assign(
        actor=actor, ticket=ticket, team=data["team"], assignee=data["assignee"]
    ),
    "transition": lambda actor, ticket, data: services.ticket_transition(
        actor=actor, ticket=ticket, to=data["to"], note=data["note"]
    ),
}


def _back(request: AuthenticatedRequest) -> str:
    """The queue page the bulk form was sent from; never another site (`back` is user input). Only a path of
    this site is taken: anything else (`redirect` would read "abc" as a view's name), NUL or a line break
    leads to the own queue."""
    back = request.POST.get("back", "")
    if (
        back.startswith("/")
        and "\x00" not in back
        and not has_line_break(back)
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return back
    return reverse("desk:queue", kwargs={"slug": "mine"})


@require_POST
@desk_page
def bulk(request: AuthenticatedRequest) -> HttpResponse:
    """Apply one action to each selected ticket through the same services; report each outcome."""
    form = forms.BulkForm(request.POST, actor=request.user)
    # Keys as a person may type them (any case, repeated): each ticket is acted on once. Text that cannot be a
    # key (NUL, other characters) is reported as it was sent, and never reaches a query.
    typed = list(dict.fromkeys(k.strip() for k in request.POST.getlist("keys") if k.strip()))[:200]
    keys = list(dict.fromkeys(parse_ticket_key(k) or k for k in typed))
    if not form.is_valid() or not keys:
        messages.error(request, _("Choose an action and at least one ticket."))
        return redirect(_back(request))
    data = form.cleaned_data
    if data["action"] == "transition" and not data["to"]:
        messages.error(request, _("Choose the new status."))
        return redirect(_back(request))
    valid = [key for key in keys if parse_ticket_key(key) == key]
    tickets = {t.key: t for t in desk_tickets(actor=request.user).filter(key__in=valid).select_related("organisation")}
    results = []
    for key in keys:
        ticket = tickets.get(key)
        if ticket is None:
            results.append((key, False, _("No such ticket, or not yours to work on.")))
            continue
        try:
            BULK_ACTIONS[data["action"]](request.user, ticket, data)
        except PicoCoreError as error:
            results.append((key, False, error_text(error)))
        else:
            results.append((key, True, _("Done.")))
    context = {"nav": "queues", "results": results, "linkable": set(valid), "back": _back(request)}
    return render(request, "desk/bulk_result.html", context)


def _queue_url(view: SavedView) -> str:
    return f"{reverse('desk:queue', kwargs={'slug': view.queue})}?{saved_view_query(view)}"


@require_GET
@desk_page
def saved_view_open(request: AuthenticatedRequest, view_id: int) -> HttpResponse:
    """A saved view's own address: its queue with its filters and sort (404 for anyone else's personal one)."""
    try:
        view = saved_view_get(actor=request.user, view_id=view_id)
    except NotFound:
        raise Http404 from None
    return redirect(_queue_url(view))


@require_POST
@desk_page
def saved_view_save(request: AuthenticatedRequest) -> HttpResponse:
    """Save the queue the form was sent from, with its filters and sort, under a name (for oneself or a team)."""
    actor = request.user
    slug = request.POST.get("queue", "")
    if slug not in {q.slug for q in queues_for(actor)}:
        raise Http404
    query = QueryDict(request.POST.get("query", "")[:2000])
    filter_form = forms.QueueFiltersForm(query)
    filter_form.is_valid()
    data = filter_form.cleaned_data
    back = f"{reverse('desk:queue', kwargs={'slug': slug})}?{query.urlencode()}"
    team_id = parse_id(request.POST.get("team", "")) if request.POST.get("team") else None
    team = shareable_teams(actor).filter(pk=team_id).first() if team_id is not None else None
    if request.POST.get("team") and team is None:
        messages.error(request, _("Share a view only with a team you belong to."))
        return redirect(back)
    try:
        view = saved_views.saved_view_create(
            actor=actor,
            name=request.POST.get("name", ""),
            queue=slug,
            filters=filters_from(data),
            sort=data.get("sort") or None,
            team=team,
        )
    except PicoCoreError as error:
        messages.error(request, error_text(error))
        return redirect(back)
    messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
    return redirect(_queue_url(view))


@require_POST
@desk_page
def saved_view_rename(request: AuthenticatedRequest, view_id: int) -> HttpResponse:
    try:
        view = saved_view_get(actor=request.user, view_id=view_id)
    except NotFound:
        raise Http404 from None
    try:
        saved_views.saved_view_rename(actor=request.user, view=view, name=request.POST.get("name", ""))
    except PicoCoreError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Renamed the view to “%(name)s”.") % {"name": view.name})
    return redirect(_queue_url(view))


@require_POST
@desk_page
def saved_view_delete(request: AuthenticatedRequest, view_id: int) -> HttpResponse:
    try:
        view = saved_view_get(actor=request.user, view_id=view_id)
    except NotFound:
        raise Http404 from None
    try:
        saved_views.saved_view_delete(actor=request.user, view=view)
    except PicoCoreError as error:
        messages.error(request, error_text(error))
        return redirect(_queue_url(view))
    messages.success(request, _("Deleted the view “%(name)s”.") % {"name": view.name})
    return redirect(reverse("desk:queue", kwargs={"slug": view.queue}))
