"""The consultants' desk. Each view parses input, calls one selector or service, and renders.

Who may use it: consultants (for the organisations their teams serve), service managers and administrators.
Developers reach only the development pages; everyone else gets 404, as for a ticket that does not exist.
"""

import zoneinfo
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.catalog.choices import Priority, TicketType
from picocore.cmdb.models import Solution
from picocore.contracts.selectors import contract_in_force
from picocore.core.clock import now
from picocore.core.errors import NotFound, PicoCoreError, ValidationError
from picocore.core.text import has_line_break
from picocore.desk import forms
from picocore.development.selectors import development_item_get, development_items_for
from picocore.development.services import development_hand_off, development_item_move
from picocore.sla.services import explain_clocks
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import User
from picocore.tenancy.scope import served_organisations
from picocore.tickets import services
from picocore.tickets.choices import Channel, Status
from picocore.tickets.downloads import attachment_response
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.permissions import WORKS_ON, ticket_actions
from picocore.tickets.queues import (
    SORTS,
    Filters,
    can_use_desk,
    desk_attachment_get,
    desk_ticket_get,
    desk_tickets,
    desk_timeline,
    other_open_tickets,
    queue_counts,
    queue_page,
    queues_for,
    ticket_links,
)

DEVELOPMENT_ROLES = (StaffRole.DEVELOPER, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def desk_page(view):
    """Signed-in staff who work tickets only; anyone else gets the same 404 as for a missing page."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        if not can_use_desk(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def development_page(view):
    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        if request.user.staff_role not in DEVELOPMENT_ROLES:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _error_text(error: PicoCoreError) -> str:
    if isinstance(error, ValidationError) and error.field_errors:
        return " ".join(message for messages_ in error.field_errors.values() for message in messages_)
    return error.message


@login_required
def desk_home(request: AuthenticatedRequest) -> HttpResponse:
    """Developers go to their backlog, everyone else who works tickets to their own queue."""
    if request.user.staff_role == StaffRole.DEVELOPER:
        return redirect("desk:development")
    if not can_use_desk(request.user):
        raise Http404
    return redirect("desk:queue", slug="mine")


@require_GET
@desk_page
def queue(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """One queue, filtered and sorted by the query string; a filter that cannot be read is named above the
    filters (400) and the queue is shown without it."""
    actor = request.user
    filter_form = forms.QueueFiltersForm(request.GET)
    filter_form.is_valid()
    data = filter_form.cleaned_data  # only the fields that could be read
    filters = Filters(
        organisation=data.get("organisation"),
        ticket_type=data.get("type") or None,
        priority=data.get("priority"),
        status=data.get("status") or None,
        solution=data.get("solution"),
        assignee=data.get("assignee"),
        text=data.get("q", ""),
    )
    sort = data.get("sort") or "updated"
    page = queue_page(actor=actor, slug=slug, filters=filters, sort=sort, cursor=data.get("after") or None)
    if page.cursor_refused:
        filter_form.add_error("after", forms.QueueFiltersForm.CURSOR_REFUSED)
    organisations = served_organisations(actor).order_by("name")
    query = request.GET.copy()
    query.pop("after", None)
    counts = queue_counts(actor=actor)
    queues = queues_for(actor)
    context = {
        "nav": "queues",
        "queue_rows": [(q, counts[q.slug]) for q in queues],
        "current": slug,
        "current_queue": next(q for q in queues if q.slug == slug),
        "page": page,
        "filters": filters,
        "sort": sort,
        "sorts": SORTS,
        "query": query.urlencode(),
        "organisations": organisations,
        # Always within the served organisations: a foreign organisation id in the filter must not list its
        # solutions.
        "solutions": Solution.objects.filter(organisation__in=organisations).order_by("name")
        if filters.organisation is None
        else Solution.objects.filter(organisation__in=organisations, organisation_id=filters.organisation).order_by(
            "name"
        ),
        "consultants": User.objects.filter(
            teams__organisations__in=organisations, staff_role__in=("consultant", "service_manager")
        )
        .distinct()
        .order_by("full_name"),
        "statuses": Status.choices,
        "types": TicketType.choices,
        "priorities": Priority.choices,
        "bulk_form": forms.BulkForm(),
        "now_moment": now(),
        "filter_form": filter_form,
    }
    return render(request, "desk/queue.html", context, status=400 if filter_form.errors else 200)


def _ticket_page(request: AuthenticatedRequest, ticket, *, error: str = "", status: int = 200) -> HttpResponse:
    org = ticket.organisation
    with_tz = zoneinfo.ZoneInfo(org.time_zone)
    context = {
        "nav": "queues",
        "ticket": ticket,
        "error": error,
        "timeline": desk_timeline(ticket),
        "contract": contract_in_force(organisation=org),
        "other_tickets": other_open_tickets(actor=request.user, ticket=ticket),
        "links": ticket_links(ticket),
        "development_items": list(ticket.development_items.select_related("team").order_by("id")),
        # The desk's selectors return only tickets the actor works on.
        "can": ticket_actions(request.user, ticket, access=WORKS_ON),
        "customer_tz": with_tz,
        "message_form": forms.MessageForm(),
        "note_form": forms.MessageForm(),
        "transition_form": forms.TransitionForm(initial={"expected_status": ticket.status}),
        "assign_form": forms.AssignForm(
            organisation_id=org.pk, initial={"team": ticket.team_id, "assignee": ticket.assignee_id}
        ),
        "next_step_form": forms.NextStepForm(initial={"text": ticket.next_step, "due": ticket.next_step_due}),
        "priority_form": forms.PriorityForm(initial={"priority": ticket.priority}),
        "link_form": forms.LinkForm(),
        "merge_form": forms.MergeForm(),
        "sla": explain_clocks(ticket),
        "hand_off_form": forms.HandOffForm(organisation_id=org.pk)
        if ticket.ticket_type == TicketType.CHANGE_REQUEST
        else None,
    }
    return render(request, "desk/ticket.html", context, status=status)


@require_GET
@desk_page
def ticket_detail(request: AuthenticatedRequest, key: str) -> HttpResponse:
    return _ticket_page(request, desk_ticket_get(actor=request.user, key=key))


def _ticket_action(request: AuthenticatedRequest, key: str, act: Callable, success: str) -> HttpResponse:
    """Run one service on the ticket: back to its page with a confirmation, or the page with the reason
    it was refused (400/403/409) and nothing changed."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    try:
        act(ticket)
    except NotFound:
        raise
    except PicoCoreError as error:
        ticket = desk_ticket_get(actor=request.user, key=key)
        return _ticket_page(request, ticket, error=_error_text(error), status=error.status_code)
    messages.success(request, success)
    return redirect(reverse("desk:ticket", kwargs={"key": ticket.key}))


def _bound(form_class, request: AuthenticatedRequest, **kwargs):
    form = form_class(request.POST, request.FILES, **kwargs)
    if not form.is_valid():
        errors = [f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}" for f, e in form.errors.items()]
        raise ValidationError(" ".join(errors), field_errors={"form": [" ".join(errors)]})
    return form.cleaned_data


@require_POST
@desk_page
def ticket_take(request: AuthenticatedRequest, key: str) -> HttpResponse:
    return _ticket_action(
        request, key, lambda t: services.ticket_take(actor=request.user, ticket=t), _("You own this ticket now.")
    )


@require_POST
@desk_page
def ticket_assign(request: AuthenticatedRequest, key: str) -> HttpResponse:
    def act(ticket):
        data = _bound(forms.AssignForm, request, organisation_id=ticket.organisation_id)
        services.ticket_assign(actor=request.user, ticket=ticket, team=data["team"], assignee=data["assignee"])

    return _ticket_action(request, key, act, _("Owner changed."))


@require_POST
@desk_page
def ticket_transition(request: AuthenticatedRequest, key: str) -> HttpResponse:
    def act(ticket):
        data = _bound(forms.TransitionForm, request)
        services.ticket_transition(
            actor=request.user,
            ticket=ticket,
            to=data["to"],
            note=data["note"],
            expected_status=data["expected_status"] or None,
        )

    return _ticket_action(request, key, act, _("Status changed."))


@require_POST
@desk_page
def ticket_reply(request: AuthenticatedRequest, key: str) -> HttpResponse:
    def act(ticket):
        data = _bound(forms.MessageForm, request)
        services.ticket_reply(
            actor=request.user,
            ticket=ticket,
            body=data["body"],
            files=data["attachments"],
            submission=data["submission"],
        )

    return _ticket_action(request, key, act, _("Reply sent to the customer."))


@require_POST
@desk_page
def ticket_note(request: AuthenticatedRequest, key: str) -> HttpResponse:
    def act(ticket):
        data = _bound(forms.MessageForm, request)
        services.ticket_add_note(
            actor=request.user,
            ticket=ticket,
            body=data["body"],
            files=data["attachments"],
            submission=data["submission"],
        )

    return _ticket_action(request, key, act, _("Internal note added."))


@require_POST
@desk_page
def ticket_next_step(request: AuthenticatedRequest, key: str) -> HttpResponse:
    def act(ticket):
        data = _bound(forms.NextStepForm, request)
        services.ticket_set_next_step(actor=request.user, ticket=ticket, text=data["text"], due=data["due"])

    return _ticket_action(request, key, act, _("Next step updated; the customer sees it."))


@require_POST
@desk_page
def ticket_priority(request: AuthenticatedRequest, key: str) -> HttpResponse:
    def act(ticket):
        data = _bound(forms.PriorityForm, request)
        services.ticket_change_priority(
            actor=request.user, ticket=ticket, priority=data["priority"], reason=data["reason"]
        )

    return _ticket_action(request, key, act, _("Priority changed."))


def _other(request: AuthenticatedRequest, key: str):
    try:
        return desk_ticket_get(actor=request.user, key=key.strip())
    except NotFound:
        raise ValidationError(_("There is no ticket %(key)s that you can work on.") % {"key": key}) from None


@require_POST
@desk_page
def ticket_link(request: AuthenticatedRequest, key: str) -> HttpResponse:
    def act(ticket):
        data = _bound(forms.LinkForm, request)
        services.ticket_link(actor=request.user, ticket=ticket, other=_other(request, data["other"]), kind=data["kind"])

    return _ticket_action(request, key, act, _("Tickets linked."))


@require_POST
@desk_page
def ticket_merge(request: AuthenticatedRequest, key: str) -> HttpResponse:
    target: list = []

    def act(ticket):
        data = _bound(forms.MergeForm, request)
        target.append(services.ticket_merge(actor=request.user, duplicate=ticket, into=_other(request, data["into"])))

    response = _ticket_action(request, key, act, _("Merged; the customer has been told where to follow it."))
    if target and response.status_code == 302:
        return redirect("desk:ticket", key=target[0].key)
    return response


@require_POST
@desk_page
def ticket_hand_off(request: AuthenticatedRequest, key: str) -> HttpResponse:
    def act(ticket):
        data = _bound(forms.HandOffForm, request, organisation_id=ticket.organisation_id)
        development_hand_off(actor=request.user, ticket=ticket, team=data["team"], brief=data["brief"])

    return _ticket_action(request, key, act, _("Handed to development; you keep the customer conversation."))


@require_GET
@desk_page
def attachment_download(request: AuthenticatedRequest, key: str, attachment_id: int) -> FileResponse:
    attachment = desk_attachment_get(actor=request.user, key=key, attachment_id=attachment_id)
    return attachment_response(attachment)


@require_http_methods(["GET", "POST"])
@desk_page
def phone_call(request: AuthenticatedRequest) -> HttpResponse:
    """Log a phone call as a ticket in one step."""
    organisations = served_organisations(request.user)
    form = forms.PhoneCallForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            membership, environment = data["contact"], data["environment"]
            try:
                ticket = services.ticket_create(
                    actor=request.user,
                    requester=membership.user,
                    organisation=membership.organisation,
                    request_type=data["request_type"],
                    title=data["title"],
                    description=data["description"],
                    impact=data["impact"],
                    urgency=data["urgency"],
                    solution=environment.solution if environment else None,
                    environment=environment,
                    channel=Channel.PHONE,
                    submission=data["submission"],
                )
            except PicoCoreError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(
                    request, _("%(key)s logged for %(who)s.") % {"key": ticket.key, "who": membership.user}
                )
                return redirect("desk:ticket", key=ticket.key)
    return render(request, "desk/phone.html", {"nav": "phone", "form": form}, status=status)


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
    form = forms.BulkForm(request.POST)
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
            results.append((key, False, _error_text(error)))
        else:
            results.append((key, True, _("Done.")))
    context = {"nav": "queues", "results": results, "linkable": set(valid), "back": _back(request)}
    return render(request, "desk/bulk_result.html", context)


@require_GET
@development_page
def development_list(request: AuthenticatedRequest) -> HttpResponse:
    items = development_items_for(actor=request.user).order_by("-updated_at", "-id")[:200]
    return render(request, "desk/development_list.html", {"nav": "development", "items": items})


@require_http_methods(["GET", "POST"])
@development_page
def development_item(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = development_item_get(actor=request.user, item_id=item_id)
    form = forms.MilestoneForm(request.POST or None, current=item.milestone)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                development_item_move(actor=request.user, item=item, milestone=form.cleaned_data["milestone"])
            except PicoCoreError as error:
                form.add_error(None, _error_text(error))
                status = error.status_code
            else:
                messages.success(request, _("Milestone updated; the customer sees it."))
                return redirect("desk:development_item", item_id=item.pk)
    return render(
        request, "desk/development_item.html", {"nav": "development", "item": item, "form": form}, status=status
    )
