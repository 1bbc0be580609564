"""The customer's pages. Each view parses input, calls one selector or service, and renders."""

import zoneinfo
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.catalog.choices import TicketType
from picocore.catalog.forms import RequestForm
from picocore.catalog.selectors import offered_request_type_get, offered_request_types
from picocore.contracts.selectors import contract_in_force
from picocore.core.errors import ValidationError
from picocore.portal.context import choose_organisation, current_membership, portal_memberships
from picocore.portal.forms import ReopenForm, ReplyForm
from picocore.sla.presenters import customer_lines
from picocore.sla.selectors import ticket_clocks
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tickets.choices import Status
from picocore.tickets.downloads import attachment_response
from picocore.tickets.permissions import FOLLOWS, ticket_access, ticket_actions
from picocore.tickets.selectors import (
    portal_attachment_get,
    portal_status_counts,
    portal_ticket_get,
    portal_ticket_list,
    public_timeline,
)
from picocore.tickets.services import ticket_confirm_resolution, ticket_create, ticket_reopen, ticket_reply
from picocore.tickets.services.lifecycle import reopen_window_end

PAGE_SIZE = 25


def portal_page(view):
    """Signed-in only; passes the current membership and shows times in its organisation's time zone."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args, **kwargs) -> HttpResponse:
        membership = current_membership(request)
        if membership is None:
            return render(request, "portal/no_organisation.html", status=403)
        with timezone.override(zoneinfo.ZoneInfo(membership.organisation.time_zone)):
            return view(request, *args, membership=membership, **kwargs)

    return wrapper


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's field errors next to the form's fields; others at the top of the form."""
    for field, field_messages in error.field_errors.items():
        target = form.field_name_for(field) if hasattr(form, "field_name_for") else field
        for message in field_messages:
            form.add_error(target if target in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


@require_GET
@portal_page
def home(request: AuthenticatedRequest, membership) -> HttpResponse:
    """My open requests, or the organisation's when I may see them all."""
    sees_all = membership.sees_whole_organisation
    whole = sees_all and request.GET.get("show") != "mine"
    arguments = {"actor": request.user, "organisation": membership.organisation, "whole_organisation": whole}
    page = Paginator(portal_ticket_list(**arguments), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "page": page,
        "counts": portal_status_counts(**arguments),
        "sees_all": sees_all,
        "whole": whole,
    }
    return render(request, "portal/home.html", context)


@require_POST
@login_required
def switch_organisation(request: AuthenticatedRequest) -> HttpResponse:
    try:
        organisation_id = int(request.POST.get("organisation", ""))
    except ValueError:
        raise Http404 from None
    membership = choose_organisation(request, organisation_id)
    if membership is None:
        raise Http404
    messages.info(request, _("You are now working for %(org)s.") % {"org": membership.organisation.name})
    return redirect("portal:home")


@require_GET
@portal_page
def catalogue(request: AuthenticatedRequest, membership) -> HttpResponse:
    """What the organisation's subscription lets it ask for, grouped by kind."""
    request_types = list(offered_request_types(organisation=membership.organisation))
    groups = [
        (kind, [rt for rt in request_types if rt.ticket_type == kind.value])
        for kind in (TicketType.INCIDENT, TicketType.SERVICE_REQUEST, TicketType.CHANGE_REQUEST)
    ]
    context = {"membership": membership, "memberships": portal_memberships(request), "groups": groups}
    return render(request, "portal/catalogue.html", context)


@require_http_methods(["GET", "POST"])
@portal_page
def new_request(request: AuthenticatedRequest, slug: str, membership) -> HttpResponse:
    """The request type's form; on a valid submission the new request's page, else the form with errors."""
    organisation = membership.organisation
    request_type = offered_request_type_get(organisation=organisation, slug=slug)
    form_arguments = {"request_type": request_type, "organisation": organisation}
    status = 200
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES, **form_arguments)
        if form.is_valid():
            try:
                ticket = ticket_create(actor=request.user, organisation=organisation, **form.ticket_arguments())
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Thank you. Your request %(key)s has been received.") % {"key": ticket.key})
                return redirect("portal:request", key=ticket.key)
        status = 400
    else:
        form = RequestForm(**form_arguments)
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "request_type": request_type,
        "form": form,
    }
    return render(request, "portal/new_request.html", context, status=status)


def _request_page(request: AuthenticatedRequest, membership, ticket, *, reply_form=None, reopen_form=None, status=200):
    # The contract in force when the ticket was resolved sets its reopen window; otherwise today's, for the hotline.
    contract = contract_in_force(organisation=ticket.organisation, at=ticket.resolved_at)
    reopen_until = reopen_window_end(ticket, contract)
    # The portal's selectors return only tickets the actor follows; a member of staff may work on it as well.
    access = ticket_access(request.user, ticket) if request.user.is_service_staff else FOLLOWS
    with timezone.override(zoneinfo.ZoneInfo(ticket.organisation.time_zone)):
        context = {
            "membership": membership,
            "memberships": portal_memberships(request),
            "ticket": ticket,
            "timeline": public_timeline(ticket),
            "reply_form": reply_form or ReplyForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "is_resolved": ticket.status == Status.RESOLVED,
            "contract": contract,
            "sla_lines": customer_lines(ticket_clocks(ticket), priority=ticket.priority, contract=contract),
            "reopen_until": reopen_until,
            "can": ticket_actions(request.user, ticket, access=access, reopen_until=reopen_until),
            "is_finished": ticket.status in (Status.CLOSED, Status.CANCELLED),
        }
        return render(request, "portal/request_detail.html", context, status=status)


@require_GET
@portal_page
def request_detail(request: AuthenticatedRequest, key: str, membership) -> HttpResponse:
    ticket = portal_ticket_get(actor=request.user, key=key)
    return _request_page(request, membership, ticket)


@require_POST
@portal_page
def request_reply(request: AuthenticatedRequest, key: str, membership) -> HttpResponse:
    ticket = portal_ticket_get(actor=request.user, key=key)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ticket_reply(
                actor=request.user,
                ticket=ticket,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
                submission=form.cleaned_data["submission"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Your reply has been added."))
            return redirect(reverse("portal:request", kwargs={"key": ticket.key}) + "#timeline-end")
    return _request_page(request, membership, ticket, reply_form=form, status=400)


@require_POST
@portal_page
def request_confirm(request: AuthenticatedRequest, key: str, membership) -> HttpResponse:
    ticket = portal_ticket_get(actor=request.user, key=key)
    ticket_confirm_resolution(actor=request.user, ticket=ticket)
    messages.success(request, _("Thank you for confirming. %(key)s is now closed.") % {"key": ticket.key})
    return redirect("portal:request", key=ticket.key)


@require_POST
@portal_page
def request_reopen(request: AuthenticatedRequest, key: str, membership) -> HttpResponse:
    ticket = portal_ticket_get(actor=request.user, key=key)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            ticket_reopen(actor=request.user, ticket=ticket, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("%(key)s is reopened; we are on it again.") % {"key": ticket.key})
            return redirect("portal:request", key=ticket.key)
    return _request_page(request, membership, ticket, reopen_form=form, status=400)


@require_GET
@login_required
def attachment_download(request: AuthenticatedRequest, key: str, attachment_id: int) -> FileResponse:
    """The file, as a download, only for people who may see the ticket; never rendered inline."""
    attachment = portal_attachment_get(actor=request.user, key=key, attachment_id=attachment_id)
    return attachment_response(attachment)
