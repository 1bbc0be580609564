"""Canned replies on the desk: the page where a consultant keeps their personal ones and a service manager the
shared ones, and the filling of one into a ticket's composer."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from picocore.core.errors import NotFound, PicoCoreError
from picocore.core.forms import show_service_errors
from picocore.desk import forms
from picocore.desk.views.common import desk_page, error_text
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Team
from picocore.tickets.canned import PLACEHOLDERS, FilledReply, fill_for_ticket
from picocore.tickets.models import CannedReply, Ticket
from picocore.tickets.permissions import can_change_canned_reply, can_manage_shared_canned_replies
from picocore.tickets.selectors import canned_replies_managed, canned_replies_offered, canned_reply_get
from picocore.tickets.services import canned_replies as services
from picocore.tickets.services.canned_replies import CannedReplyFields


def filled_replies(request: AuthenticatedRequest, ticket: Ticket, *, allowed: list[str]) -> list[FilledReply]:
    """Every canned reply the person may use, filled for this ticket (one query, whatever their number), in
    the chooser's order."""
    today = timezone.localdate()
    filled = [
        fill_for_ticket(reply, ticket=ticket, actor=request.user, allowed=allowed, today=today)
        for reply in canned_replies_offered(request.user)
    ]
    # The chooser groups them: one's own first, then one's teams', then everyone's (by name within each).
    return sorted(filled, key=lambda reply: SCOPE_ORDER[reply.scope])


SCOPE_ORDER = {"personal": 0, "team": 1, "everyone": 2}


def _fields(data: dict) -> CannedReplyFields:
    return CannedReplyFields(
        name=data["name"],
        body=data["body"],
        kind=data["kind"],
        status=data["status"],
        next_step=data["next_step"],
        next_step_due_days=data["next_step_due_days"],
        active=data["active"],
    )


def _submit(
    request: AuthenticatedRequest,
    form: forms.CannedReplyForm,
    save: Callable[[CannedReplyFields, bool, Team | None], CannedReply],
) -> tuple[HttpResponse | None, int]:
    """Check the posted form and save it through `save` (fields, shared, team): the redirect back to the list
    once saved, else no response and the status to answer with, the reasons shown on the form."""
    if not form.is_valid():
        return None, 400
    shared, team = form.chosen_scope()
    try:
        reply = save(_fields(form.cleaned_data), shared, team)
    except PicoCoreError as error:
        show_service_errors(form, error)
        return None, error.status_code
    messages.success(request, _("Saved the canned reply “%(name)s”.") % {"name": reply.name})
    return redirect(reverse("desk:canned_replies")), 200


def _page(request: AuthenticatedRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context = {"nav": "canned", "placeholders": PLACEHOLDERS, **context}
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@desk_page
def canned_reply_list(request: AuthenticatedRequest) -> HttpResponse:
    """The person's canned replies and the shared ones they look after, with the form for a new one."""
    actor = request.user
    form = forms.CannedReplyForm(request.POST or None, actor=actor)
    status = 200
    if request.method == "POST":
        done, status = _submit(
            request,
            form,
            lambda fields, shared, team: services.canned_reply_create(
                actor=actor, fields=fields, shared=shared, team=team
            ),
        )
        if done is not None:
            return done
    replies = canned_replies_managed(actor)
    return _page(
        request,
        "desk/canned_replies.html",
        {
            "form": form,
            "personal": [reply for reply in replies if reply.personal],
            "shared": [reply for reply in replies if not reply.personal],
            "manages_shared": can_manage_shared_canned_replies(actor),
            "editable": {reply.pk for reply in replies if can_change_canned_reply(actor, reply)},
        },
        status=status,
    )


def _reachable(request: AuthenticatedRequest, reply_id: int) -> CannedReply:
    try:
        return canned_reply_get(actor=request.user, reply_id=reply_id)
    except NotFound:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@desk_page
def canned_reply_edit(request: AuthenticatedRequest, reply_id: int) -> HttpResponse:
    """Change one canned reply: a personal one by its owner, a shared one by a service manager; anyone else who
    may see it (a team's member) reads it only."""
    actor = request.user
    reply = _reachable(request, reply_id)
    may_change = can_change_canned_reply(actor, reply)
    form = forms.CannedReplyForm(request.POST or None, actor=actor, instance=reply)
    status = 200
    if request.method == "POST":
        if not may_change:
            form.add_error(None, _("Only its owner changes this canned reply."))
            status = 403
        else:
            done, status = _submit(
                request,
                form,
                # A personal reply keeps its scope; a shared one goes to the team (or everyone) chosen.
                lambda fields, shared, team: services.canned_reply_update(
                    actor=actor, reply=reply, fields=fields, **({"team": team} if shared else {})
                ),
            )
            if done is not None:
                return done
    return _page(
        request, "desk/canned_reply.html", {"form": form, "reply": reply, "may_change": may_change}, status=status
    )


@require_POST
@desk_page
def canned_reply_delete(request: AuthenticatedRequest, reply_id: int) -> HttpResponse:
    reply = _reachable(request, reply_id)
    try:
        services.canned_reply_delete(actor=request.user, reply=reply)
    except PicoCoreError as error:
        messages.error(request, error_text(error))
        return redirect(reverse("desk:canned_reply", kwargs={"reply_id": reply.pk}))
    messages.success(request, _("Deleted the canned reply “%(name)s”.") % {"name": reply.name})
    return redirect(reverse("desk:canned_replies"))
