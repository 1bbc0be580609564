"""The ticket page and the actions taken on it; each action runs one service and comes back to the page."""

import zoneinfo
from collections.abc import Callable

from django.contrib import messages
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from picocore.audit.services import access_record
from picocore.catalog.choices import TicketType
from picocore.catalog.forms import chosen_file_names, dropped_files_message
from picocore.contracts.selectors import kept_contract_in_force, organisation_date
from picocore.core.clock import now
from picocore.core.errors import NotFound, PicoCoreError, ValidationError
from picocore.core.text import without_nul
from picocore.desk import forms
from picocore.desk.landscape import ticket_panel
from picocore.desk.models import TimelineOrder
from picocore.desk.selectors import timeline_order_of
from picocore.desk.services import StaleDraft, preference_set_timeline_order, presence_record, ticket_send
from picocore.desk.views.canned import filled_replies
from picocore.desk.views.common import desk_page, error_text
from picocore.development.services import development_hand_off
from picocore.hours import permissions as hours_permissions
from picocore.hours import selectors as hours_selectors
from picocore.hours.charts import hours_text
from picocore.hours.forms import billing_choices
from picocore.hours.services import time_required_on_reply
from picocore.problems.errors import ProblemNotFound
from picocore.problems.selectors import problem_by_key, ticket_problems
from picocore.problems.services import problem_link_incident
from picocore.sla.services import explain_clocks
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tickets import services
from picocore.tickets.downloads import attachment_response
from picocore.tickets.permissions import WORKS_ON, ticket_actions
from picocore.tickets.queues import (
    desk_attachment_get,
    desk_ticket_get,
    desk_timeline,
    other_open_tickets,
    ticket_links,
)

# What the composer sends besides the message, kept in the draft when it comes back with an error.
ALSO_FIELDS = ("status", "next_step", "next_step_due")
TIME_FIELDS = ("time_spent", "time_date", "time_billing", "time_description")


def _dropped_files(request: AuthenticatedRequest) -> dict[str, str] | None:
    """Which composer's chosen files were not kept when its message came back with an error (a browser
    cannot keep a chosen file), and what to say next to its file input."""
    names = chosen_file_names(request.FILES, "attachments") if request.method == "POST" else []
    match = request.resolver_match
    if not names or match is None or match.url_name not in ("reply", "note"):
        return None
    return {"form": match.url_name, "message": dropped_files_message(names)}


def _ticket_page(
    request: AuthenticatedRequest,
    ticket,
    *,
    error: str = "",
    status: int = 200,
    draft: dict[str, str] | None = None,
    changes: list[str] | None = None,
    canned: str | None = None,
) -> HttpResponse:
    """The ticket page. `draft` ({"tab": "reply"|"note", "body": …, "status", "next_step", "next_step_due"})
    refills the composer, `changes` lists what happened since the page the draft was written on, `canned` (a
    canned reply's id, from the chooser without JavaScript) fills the composer with that reply."""
    org = ticket.organisation
    can = ticket_actions(request.user, ticket, access=WORKS_ON)  # the desk's selectors return only those
    can["log_time"] = hours_permissions.can_log_time(request.user, ticket, access=WORKS_ON)
    # Only what the page can take: no public replies on a ticket that takes no more replies.
    canned_replies = [
        filled
        for filled in filled_replies(request, ticket, allowed=[s.value for s in can["statuses"]])
        if can[filled.tab]
    ]
    chosen = None
    if canned:  # the chooser sent without a choice shows the page as it is
        chosen = next((filled for filled in canned_replies if str(filled.reply_id) == canned.strip()), None)
        if chosen is None:
            error, status = _("There is no such canned reply among yours."), 404
        else:
            draft = chosen.draft()
    with_tz = zoneinfo.ZoneInfo(org.time_zone)
    order = timeline_order_of(request.user)
    events = list(desk_timeline(ticket))
    # The SLA explanation reads the same contract and timeline as the page, at the same moment.
    moment = now()
    contract = kept_contract_in_force(organisation=org, at=moment)  # with its tier and calendar, kept
    today = organisation_date(org, moment)
    sla = explain_clocks(ticket, now=moment, contract=contract, timeline=events)
    newest_first = order == TimelineOrder.NEWEST_FIRST
    if newest_first:
        events.reverse()
    draft = draft or {}
    context = {
        "nav": "queues",
        "ticket": ticket,
        "error": error,
        "timeline": events,
        "newest_first": newest_first,
        "newest_event_id": max((event.pk for event in events), default=0),
        "draft": draft,
        "active_tab": draft.get("tab", "reply"),
        "canned_replies": canned_replies,
        "canned_data": [filled.as_json() for filled in canned_replies],
        "canned_chosen": chosen,
        "changes": changes or [],
        "dropped_files": _dropped_files(request) if error else None,
        "contract": contract,
        # The balance beside the composer's time fields, as the time page shows it.
        "figures": hours_selectors.bank_month(contract, today) if contract is not None else None,
        "time_required": time_required_on_reply(contract),
        "time_today": today,
        "billing_choices": billing_choices(),
        "other_tickets": other_open_tickets(actor=request.user, ticket=ticket),
        "links": ticket_links(ticket),
        "development_items": list(ticket.development_items.select_related("team").order_by("id")),
        "landscape": ticket_panel(ticket),
        "problems_panel": ticket_problems(actor=request.user, ticket=ticket),
        "can": can,
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
        "sla": sla,
        "hand_off_form": forms.HandOffForm(organisation_id=org.pk)
        if ticket.ticket_type == TicketType.CHANGE_REQUEST
        else None,
    }
    return render(request, "desk/ticket.html", context, status=status)


@require_GET
@desk_page
def ticket_detail(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """The ticket page; the opening goes into the organisation's access log (one INSERT, ignored when this
    person opened the ticket already this hour)."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    access_record(actor=request.user, ticket_id=ticket.pk, organisation_id=ticket.organisation_id)
    return _ticket_page(request, ticket, canned=request.GET.get("canned"))


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
        return _ticket_page(request, ticket, error=error_text(error), status=error.status_code)
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


def _send(request: AuthenticatedRequest, key: str, *, public: bool) -> HttpResponse:
    """The composer's two forms: send, or come back with the draft kept and the reason it was not sent
    (what changed on the ticket since the page was shown, or what is wrong with it)."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    tab = "reply" if public else "note"
    form = forms.MessageForm(request.POST, request.FILES)
    body = form.data.get("body", "") if form.is_valid() else form.cleaned_data.get("body", "")
    also = {field: without_nul(form.data.get(field, ""))[:300] for field in (*ALSO_FIELDS, *TIME_FIELDS)}
    try:
        if not form.is_valid():
            _bound(forms.MessageForm, request)
        data = form.cleaned_data
        ticket_send(
            actor=request.user,
            ticket=ticket,
            public=public,
            body=data["body"],
            files=data["attachments"],
            submission=data["submission"],
            seen_event_id=data["seen"],
            status=data["status"],
            next_step=data["next_step"],
            next_step_due=data["next_step_due"],
            time=form.time_to_log(),
        )
    except NotFound:
        raise
    except StaleDraft as stale:
        ticket = desk_ticket_get(actor=request.user, key=key)
        draft = {"tab": tab, "body": body, "files_dropped": "1" if request.FILES else "", **also}
        return _ticket_page(request, ticket, error=stale.message, status=409, draft=draft, changes=stale.changes)
    except PicoCoreError as error:
        ticket = desk_ticket_get(actor=request.user, key=key)
        draft = {"tab": tab, "body": body, "files_dropped": "1" if request.FILES else "", **also}
        return _ticket_page(request, ticket, error=error_text(error), status=error.status_code, draft=draft)
    sent = _("Reply sent to the customer.") if public else _("Internal note added.")
    if data["status"] and data["next_step"]:
        sent = _("%(sent)s Status changed and next step updated.") % {"sent": sent}
    elif data["status"]:
        sent = _("%(sent)s Status changed.") % {"sent": sent}
    elif data["next_step"]:
        sent = _("%(sent)s Next step updated.") % {"sent": sent}
    if data["time_spent"] is not None:
        sent = _("%(sent)s %(time)s logged.") % {"sent": sent, "time": hours_text(data["time_spent"])}
    messages.success(request, sent)
    return redirect(reverse("desk:ticket", kwargs={"key": ticket.key}))


@require_POST
@desk_page
def ticket_reply(request: AuthenticatedRequest, key: str) -> HttpResponse:
    return _send(request, key, public=True)


@require_POST
@desk_page
def ticket_note(request: AuthenticatedRequest, key: str) -> HttpResponse:
    return _send(request, key, public=False)


@require_POST
@desk_page
def ticket_presence(request: AuthenticatedRequest, key: str) -> JsonResponse:
    """Record that the caller has this ticket open (and whether they are typing); answer who else has."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    others = presence_record(actor=request.user, ticket=ticket, typing=request.POST.get("typing") == "1")
    return JsonResponse({"others": [{"name": other.name, "typing": other.typing} for other in others]})


@require_POST
@desk_page
def timeline_order(request: AuthenticatedRequest) -> HttpResponse:
    """Remember newest or oldest first for every ticket page, and go back to the ticket it was chosen on."""
    form = forms.TimelineOrderForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choose newest first or oldest first."))
    ticket = desk_ticket_get(actor=request.user, key=form.cleaned_data["key"])
    preference_set_timeline_order(actor=request.user, order=form.cleaned_data["order"])
    return redirect(reverse("desk:ticket", kwargs={"key": ticket.key}))


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
def ticket_problem(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Link the incident to a problem named by its key (`PRB-12`)."""

    def act(ticket):
        try:
            problem = problem_by_key(actor=request.user, key=request.POST.get("problem", ""))
            problem_link_incident(actor=request.user, problem_id=problem.pk, ticket_key=ticket.key)
        except ProblemNotFound as error:
            raise ValidationError(error.message) from None

    return _ticket_action(request, key, act, _("Linked to the problem."))


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
    access_record(actor=request.user, ticket_id=attachment.ticket_id, organisation_id=attachment.organisation_id)
    return attachment_response(attachment)
