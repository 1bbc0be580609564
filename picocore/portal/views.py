"""The customer's pages. Each view parses input, calls one selector or service, and renders."""

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.catalog.choices import TicketType
from picocore.catalog.forms import RequestForm
from picocore.catalog.selectors import offer_get, offered_request_types
from picocore.contracts.selectors import kept_contract_in_force
from picocore.core import reference
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.forms import blank_field_groups, show_service_errors
from picocore.core.pagination import query_without_cursor
from picocore.core.params import parse_id
from picocore.core.text import without_nul
from picocore.portal.context import choose_organisation, current_membership, portal_memberships
from picocore.portal.forms import STATUS_GROUPS, ListPositionForm, ReopenForm, ReplyForm, RequestFiltersForm
from picocore.satisfaction.selectors import rating_offer
from picocore.satisfaction.services import rating_record
from picocore.sla.presenters import customer_lines
from picocore.sla.selectors import ticket_clocks
from picocore.tenancy.choices import RequestVisibility
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tickets.choices import Status
from picocore.tickets.downloads import attachment_response
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.permissions import FOLLOWS, may_submit, ticket_access, ticket_actions
from picocore.tickets.selectors import (
    PortalFilters,
    customer_prompt,
    portal_attachment_get,
    portal_request_page,
    portal_requesters,
    portal_status_counts,
    portal_ticket_get,
    public_timeline,
)
from picocore.tickets.services import (
    ticket_confirm_resolution,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_share,
)
from picocore.tickets.services.lifecycle import reopen_window_end

PAGE_SIZE = 25
# The hidden field every portal form that acts for an organisation carries: the organisation the page was shown
# for. A form sent after the session switched organisation in another tab is explained and not acted on.
FORM_ORGANISATION = "form_organisation"


def portal_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in only; passes the current membership and shows times in its organisation's time zone."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        membership = current_membership(request)
        if membership is None:
            return render(request, "portal/no_organisation.html", status=403)
        with timezone.override(zoneinfo.ZoneInfo(membership.organisation.time_zone)):
            return view(request, *args, membership=membership, **kwargs)

    return wrapper


def _switched_away(request: AuthenticatedRequest, membership, *, what: str) -> str | None:
    """Why a form must not be acted on: it was shown for another organisation than the one this session now
    works for (switched in another tab). None when it matches, or when the form carries no readable
    organisation. Only an organisation of the person's own is named."""
    sent = parse_id(request.POST.get(FORM_ORGANISATION, ""))
    if sent is None or sent == membership.organisation_id:
        return None
    former = next((m for m in portal_memberships(request) if m.organisation_id == sent), None)
    names = {"now": membership.organisation.name, "what": what}
    if former is None:
        return (
            _("This form was for an organisation you no longer work for; you now work for %(now)s. Nothing was sent.")
            % names
        )
    return _("You switched to %(now)s in another tab; this form was for %(then)s. Nothing was sent: %(what)s") % {
        **names,
        "then": former.organisation.name,
    }


def _kept(request: AuthenticatedRequest, form: forms.Form) -> dict[str, object]:
    """What the person typed into `form`'s fields, to show it again on a fresh form (never files or tokens)."""
    kept: dict[str, object] = {}
    for name, field in form.fields.items():
        if name == "submission" or isinstance(field, forms.FileField) or name not in request.POST:
            continue
        values = [without_nul(value) for value in request.POST.getlist(name)]
        kept[name] = values if isinstance(field, forms.MultipleChoiceField) else values[-1]
    return kept


@require_GET
@portal_page
def home(request: AuthenticatedRequest, membership) -> HttpResponse:
    """My open requests, or the organisation's when I may see them all, in pages by keyset (the full list's
    selector narrowed to open requests), with the counts of each group. A page link that cannot be read is
    said so (400) above the first page."""
    position = ListPositionForm(request.GET)
    position.is_valid()
    whole = position.whole_organisation(membership)
    page = portal_request_page(
        actor=request.user,
        organisation=membership.organisation,
        whole_organisation=whole,
        filters=PortalFilters(statuses=STATUS_GROUPS["open"]),
        cursor=position.cursor(),
        size=PAGE_SIZE,
    )
    refused = page.cursor_refused or "after" in position.errors
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "page": page,
        "page_refused": ListPositionForm.CURSOR_REFUSED if refused else "",
        "counts": portal_status_counts(
            actor=request.user, organisation=membership.organisation, whole_organisation=whole
        ),
        "sees_all": membership.sees_others_requests,
        "shared_only": not membership.sees_whole_organisation,
        "whole": whole,
        "query": urlencode({"show": "organisation" if whole else "mine"}),
    }
    return render(request, "portal/home.html", context, status=400 if refused else 200)


@require_GET
@portal_page
def request_list(request: AuthenticatedRequest, membership) -> HttpResponse:
    """Every request I may see, finished ones too, filtered and searched by the query string, in pages by
    keyset. A filter that cannot be read is named above the list (400) and the list is shown without it; a
    search for a key I may see goes straight to that request."""
    sees_all = membership.sees_others_requests
    requesters = portal_requesters(membership=membership)
    filter_form = RequestFiltersForm(request.GET, requesters=requesters)
    filter_form.is_valid()
    data = filter_form.cleaned_data  # only the fields that could be read
    whole = filter_form.whole_organisation(membership)
    filters = PortalFilters(
        statuses=filter_form.statuses(),
        ticket_type=data.get("type") or None,
        requester=data.get("requester"),
        created_from=data.get("created_from"),
        created_to=data.get("created_to"),
        text=data.get("q", ""),
    )
    page = portal_request_page(
        actor=request.user,
        organisation=membership.organisation,
        whole_organisation=whole,
        filters=filters,
        cursor=filter_form.cursor(),
        size=PAGE_SIZE,
    )
    if page.cursor_refused:
        filter_form.add_error("after", RequestFiltersForm.CURSOR_REFUSED)
    key = parse_ticket_key(filters.text)
    if key and page.is_first and [t.key for t in page.rows] == [key] and not filter_form.errors:
        return redirect("portal:request", key=key)
    context = {
        "nav": "requests",
        "membership": membership,
        "memberships": portal_memberships(request),
        "page": page,
        "filter_form": filter_form,
        # The fields show what is applied, never a value that was refused (NUL, a foreign id, 10,000 letters).
        "shown_form": RequestFiltersForm(initial=data, requesters=requesters, auto_id="f-%s"),
        "filtered": any(data.get(name) for name in ("q", "status", "type", "requester", "created_from", "created_to")),
        "sees_all": sees_all,
        "shared_only": not membership.sees_whole_organisation,
        "whole": whole,
        "query": query_without_cursor(request),
    }
    return render(request, "portal/requests.html", context, status=400 if filter_form.errors else 200)


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


def _refuse_non_submitter(membership) -> None:
    """A viewer reads the organisation's requests but files none: the catalogue and its forms say so (403)."""
    if not may_submit(membership):
        raise PermissionDenied(
            _("Your role in %(org)s lets you read its requests, not file them; ask its customer admin.")
            % {"org": membership.organisation.name}
        )


@require_GET
@portal_page
def catalogue(request: AuthenticatedRequest, membership) -> HttpResponse:
    """What the organisation's subscription lets it ask for, grouped by kind."""
    _refuse_non_submitter(membership)
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
    """The request type's form; on a valid submission the new request's page, else the form with errors. Where the
    organisation shows requesters their own and shared requests, the form offers to share it."""
    _refuse_non_submitter(membership)
    organisation = membership.organisation
    offers_sharing = organisation.request_visibility == RequestVisibility.OWN_AND_SHARED
    share = offers_sharing and request.method == "POST" and request.POST.get("shared") == "1"
    switched = None
    if request.method == "POST":
        what = _("check what you typed below and send it for %(now)s, or switch back first.") % {
            "now": organisation.name
        }
        if request.FILES:
            what += " " + _("Files must be attached again.")
        switched = _switched_away(request, membership, what=what)
    try:
        offer = offer_get(organisation=organisation, slug=slug)
    except NotFound:
        if switched is None:
            raise
        return _not_offered_after_switch(request, membership, switched)
    request_type = offer.request_type
    form_arguments = {"request_type": request_type, "organisation": organisation}
    status = 200
    if switched is not None:
        # The form's choices (solutions, environments) are the other organisation's: validating them would only
        # say "Select a valid choice". Show the typed text on this organisation's form instead; create nothing.
        form = RequestForm(initial=_kept(request, RequestForm(**form_arguments)), **form_arguments)
        status = 400
    elif request.method == "POST":
        form = RequestForm(request.POST, request.FILES, **form_arguments)
        if form.is_valid():
            try:
                ticket = ticket_create(
                    actor=request.user,
                    organisation=organisation,
                    offer=offer,
                    membership=membership,
                    shared=share,
                    **form.ticket_arguments(),
                )
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, _("Thank you. Your request %(key)s has been received.") % {"key": ticket.key})
                return redirect("portal:request", key=ticket.key)
        status = 400
    else:
        form = RequestForm(**form_arguments)
        if "component" in request.GET:
            # "Report an incident" on the landscape page: the component, its solution and its environment filled in.
            # Another organisation's component is the same as one that does not exist: the form stays blank.
            initial = form.landscape_initial(parse_id(request.GET["component"]))
            if initial is None:
                messages.info(request, _("That component is not in your landscape; choose what is affected below."))
            else:
                form = RequestForm(initial=initial, **form_arguments)
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "request_type": request_type,
        "form": form,
        "switched": switched,
        "blank_fields_html": blank_fields_html(form) if not (form.is_bound or form.initial) else None,
        "offers_sharing": offers_sharing,
        "share": share,
    }
    return render(request, "portal/new_request.html", context, status=status)


def blank_fields_html(form: RequestForm) -> SafeString:
    """The HTML of a blank request form's fields (everything but its token), rendered once per request type,
    organisation and language and kept with the reference data: the fields, their choices (the organisation's
    solutions and environments) and their texts are all reference data, so a change to any of them renders
    them afresh on the next request. A form with typed values or errors is always rendered afresh."""

    def render_fields(*_key: object) -> SafeString:
        return SafeString(render_to_string("portal/request_form_fields.html", {"form": form}))

    return reference.cached(
        "portal.request-form-fields", render_fields, form.request_type.pk, form.organisation.pk, get_language()
    )


def _not_offered_after_switch(request: AuthenticatedRequest, membership, switched: str) -> HttpResponse:
    """The organisation switched to does not offer the form's kind of request: the catalogue, the explanation,
    and the typed title and description to copy."""
    offered = list(offered_request_types(organisation=membership.organisation))
    groups = [
        (kind, [rt for rt in offered if rt.ticket_type == kind.value])
        for kind in (TicketType.INCIDENT, TicketType.SERVICE_REQUEST, TicketType.CHANGE_REQUEST)
    ]
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "groups": groups,
        "switched": switched,
        "kept_title": without_nul(request.POST.get("title", "")),
        "kept_description": without_nul(request.POST.get("description", "")),
    }
    return render(request, "portal/catalogue.html", context, status=400)


def _request_page(
    request: AuthenticatedRequest,
    membership,
    ticket,
    *,
    reply_form=None,
    reopen_form=None,
    switched=None,
    refused="",
    rating_errors=None,
    status=200,
):
    """The request page; `switched` explains why the form `refused` ("reply", "resolution" or "rating") was not
    acted on; `rating_errors` (message, score errors, what was typed) why a rating was not recorded."""
    # The contract in force when the ticket was resolved sets its reopen window; otherwise today's, for the hotline.
    contract = kept_contract_in_force(organisation=ticket.organisation, at=ticket.resolved_at)  # kept with its tier
    reopen_until = reopen_window_end(ticket, contract)
    # The portal's selectors return only tickets the actor follows; a member of staff may work on it as well.
    access = ticket_access(request.user, ticket) if request.user.is_service_staff else FOLLOWS
    timeline = list(public_timeline(ticket))
    reply_form, reopen_form = reply_form or ReplyForm(), reopen_form or ReopenForm()
    with timezone.override(zoneinfo.ZoneInfo(ticket.organisation.time_zone)):
        context = {
            "membership": membership,
            "memberships": portal_memberships(request),
            "ticket": ticket,
            "timeline": timeline,
            # Repeated at the top: the question while it waits on the customer, else the resolution note.
            "prompt": customer_prompt(ticket, timeline),
            "is_waiting": ticket.status == Status.WAITING_ON_CUSTOMER,
            "switched": switched,
            "refused": refused,
            "reply_form": reply_form,
            "reply_fields": blank_field_groups(reply_form, "body", "attachments"),
            "reopen_form": reopen_form,
            "reopen_fields": blank_field_groups(reopen_form, "reason"),
            "is_resolved": ticket.status == Status.RESOLVED,
            "contract": contract,
            "sla_lines": customer_lines(ticket_clocks(ticket), priority=ticket.priority, contract=contract),
            "reopen_until": reopen_until,
            "can": ticket_actions(request.user, ticket, access=access, reopen_until=reopen_until),
            "is_finished": ticket.status in (Status.CLOSED, Status.CANCELLED),
            "rating": rating_offer(request.user, ticket, timeline=timeline, contract=contract, access=access),
            "rating_errors": rating_errors or {},
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
    what = _("your reply to %(key)s is kept below; send it again to add it.") % {"key": ticket.key}
    if request.FILES:
        what += " " + _("Files must be attached again.")
    switched = _switched_away(request, membership, what=what)
    if switched is not None:
        kept = ReplyForm(initial=_kept(request, ReplyForm()))
        return _request_page(
            request, membership, ticket, reply_form=kept, switched=switched, refused="reply", status=400
        )
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
            show_service_errors(form, error)
        else:
            messages.success(request, _("Your reply has been added."))
            return redirect(reverse("portal:request", kwargs={"key": ticket.key}) + "#timeline-end")
    return _request_page(request, membership, ticket, reply_form=form, status=400)


@require_POST
@portal_page
def request_confirm(request: AuthenticatedRequest, key: str, membership) -> HttpResponse:
    ticket = portal_ticket_get(actor=request.user, key=key)
    what = _("%(key)s is not confirmed; confirm it below if it is resolved.") % {"key": ticket.key}
    switched = _switched_away(request, membership, what=what)
    if switched is not None:
        return _request_page(request, membership, ticket, switched=switched, refused="resolution", status=400)
    ticket_confirm_resolution(actor=request.user, ticket=ticket)
    messages.success(request, _("Thank you for confirming. %(key)s is now closed.") % {"key": ticket.key})
    return redirect("portal:request", key=ticket.key)


@require_POST
@portal_page
def request_reopen(request: AuthenticatedRequest, key: str, membership) -> HttpResponse:
    ticket = portal_ticket_get(actor=request.user, key=key)
    what = _("%(key)s is not reopened; what you wrote is kept below, reopen it to send it.") % {"key": ticket.key}
    switched = _switched_away(request, membership, what=what)
    if switched is not None:
        kept = ReopenForm(initial=_kept(request, ReopenForm()))
        return _request_page(
            request, membership, ticket, reopen_form=kept, switched=switched, refused="resolution", status=400
        )
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            ticket_reopen(actor=request.user, ticket=ticket, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("%(key)s is reopened; we are on it again.") % {"key": ticket.key})
            return redirect("portal:request", key=ticket.key)
    return _request_page(request, membership, ticket, reopen_form=form, status=400)


@require_POST
@portal_page
def request_rate(request: AuthenticatedRequest, key: str, membership) -> HttpResponse:
    """The requester's rating of the latest resolution (one click on a score, with an optional comment): sending
    again within the week changes it; after that, or from a page older than a new resolution, it is refused with
    the reason and nothing is recorded."""
    ticket = portal_ticket_get(actor=request.user, key=key)
    comment = without_nul(request.POST.get("comment", ""))[:2000]
    what = _("your rating of %(key)s is not recorded; send it again below.") % {"key": ticket.key}
    switched = _switched_away(request, membership, what=what)
    if switched is not None:
        kept = {"comment": comment}
        return _request_page(
            request, membership, ticket, switched=switched, refused="rating", rating_errors=kept, status=400
        )
    try:
        rating_record(
            actor=request.user,
            ticket=ticket,
            resolution_id=parse_id(request.POST.get("resolution", "")),
            score=parse_id(request.POST.get("score", "")),
            comment=comment,
        )
    except ValidationError as invalid:
        errors = {"message": invalid.message, "score": invalid.field_errors.get("score", []), "comment": comment}
        return _request_page(request, membership, ticket, rating_errors=errors, status=400)
    messages.success(request, _("Thank you: your rating of %(key)s is recorded.") % {"key": ticket.key})
    return redirect(reverse("portal:request", kwargs={"key": ticket.key}) + "#rating-heading")


@require_POST
@portal_page
def request_share(request: AuthenticatedRequest, key: str, membership) -> HttpResponse:
    """Share the request with the organisation (`shared=1`) or stop sharing it: by its requester or a customer
    admin (`ticket_share` decides; anyone else is refused with 403 and nothing changes)."""
    ticket = portal_ticket_get(actor=request.user, key=key)
    shared = request.POST.get("shared") == "1"
    what = _("%(key)s is shared as before; choose again below.") % {"key": ticket.key}
    switched = _switched_away(request, membership, what=what)
    if switched is not None:
        return _request_page(request, membership, ticket, switched=switched, refused="share", status=400)
    ticket_share(actor=request.user, ticket=ticket, shared=shared)
    if shared:
        note = _("%(key)s is shared with %(org)s: its people see it.")
    else:
        note = _("%(key)s is no longer shared: only you, the people you added and its admins see it.")
    messages.success(request, note % {"key": ticket.key, "org": ticket.organisation.name})
    return redirect("portal:request", key=ticket.key)


@require_GET
@login_required
def attachment_download(request: AuthenticatedRequest, key: str, attachment_id: int) -> FileResponse:
    """The file, as a download, only for people who may see the ticket; never rendered inline."""
    attachment = portal_attachment_get(actor=request.user, key=key, attachment_id=attachment_id)
    return attachment_response(attachment)
