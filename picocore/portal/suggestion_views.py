"""Suggestions while a customer writes a request: the JSON the new-request form's script asks for, and what
the customer does with a suggestion (opens it; says it solved their problem). Without the script the form
works as before and nothing is suggested."""

from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from picocore.core.text import without_nul
from picocore.portal.views import portal_page
from picocore.search.services import suggestion_open, suggestion_solved, suggestions_record
from picocore.search.suggestions import portal_suggestions
from picocore.tenancy.http import AuthenticatedRequest

TYPED_MAX = 2_000  # characters of the title and description read: a suggestion needs their beginning only


@require_POST
@portal_page
def suggestions(request: AuthenticatedRequest, membership) -> JsonResponse:
    """What matches the title and description typed so far (POST: what was suggested is recorded for the
    draft named by the form's token)."""
    title = without_nul(request.POST.get("title", ""))[:TYPED_MAX]
    description = without_nul(request.POST.get("description", ""))[:TYPED_MAX]
    found = portal_suggestions(
        actor=request.user,
        organisation=membership.organisation,
        whole_organisation=membership.sees_others_requests,
        title=title,
        description=description,
    )
    try:
        rows = suggestions_record(
            actor=request.user, organisation=membership.organisation, draft=request.POST.get("draft", ""), found=found
        )
    except DatabaseError:
        # The record is not worth failing the customer's typing for (SQLite's one writer may be busy with the
        # request being sent): the suggestions are shown, unrecorded.
        rows = {}
    items = []
    for hit in found:
        row = rows.get((hit.kind, hit.object_id))
        items.append(
            {
                "kind": hit.kind.label,
                "title": hit.title,
                "url": f"{hit.url}?suggested={row.pk}" if row else hit.url,
                "snippet": str(hit.snippet),
                "opened": reverse("portal:suggestion_opened", args=[row.pk]) if row else "",
            }
        )
    return JsonResponse({"suggestions": items})


@require_POST
@portal_page
def suggestion_opened(request: AuthenticatedRequest, suggestion_id: int, membership) -> HttpResponse:
    """The customer followed a suggestion (the script says so as the link opens)."""
    suggestion_open(actor=request.user, suggestion_id=suggestion_id)
    return HttpResponse(status=204)


@require_POST
@portal_page
def suggestion_solved_view(request: AuthenticatedRequest, suggestion_id: int, membership) -> HttpResponse:
    """ "This solved my problem": recorded, and the customer goes home without a request to send."""
    suggestion_solved(actor=request.user, suggestion_id=suggestion_id)
    messages.success(request, _("Glad that helped. No request was sent; you can close the form you were writing."))
    return redirect("portal:home")
