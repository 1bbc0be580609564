"""The customer's knowledge base: `/portal/knowledge/` — the published customer-facing articles meant for the
organisation (for every customer, or for it), newest first, filtered by its solutions or searched by words
together with the organisation's known issues — and
`/portal/knowledge/<id or address>/`, one article with its files. An internal, draft or archived article, one
meant for other organisations, or a missing one, is the same 404."""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from picocore.core.errors import NotFound
from picocore.core.params import parse_id
from picocore.knowledge import selectors
from picocore.knowledge.downloads import attachment_response
from picocore.portal.context import portal_memberships
from picocore.portal.views import portal_page
from picocore.search.selectors import portal_knowledge as knowledge_search
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Membership


@require_GET
@portal_page
def portal_knowledge(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    """The articles for the organisation; `q` searches them and the organisation's known issues (shown above
    them), `solution` filters the articles by one of its solutions."""
    problem = ""
    solution_text = request.GET.get("solution", "").strip()
    solution = parse_id(solution_text) if solution_text else None
    found = knowledge_search(
        actor=request.user, organisation=membership.organisation, text=request.GET.get("q", ""), solution=solution
    )
    if solution_text and found.listing.solution is None:
        problem = "solution"
    context = {
        "membership": membership, "memberships": portal_memberships(request), "nav": "knowledge",
        "listing": found.listing, "found": found, "problem": problem,
    }  # fmt: skip
    return render(request, "knowledge/portal_list.html", context, status=400 if problem else 200)


@require_GET
@portal_page
def portal_article(request: AuthenticatedRequest, ref: str, membership: Membership) -> HttpResponse:
    try:
        shown = selectors.portal_article_get(actor=request.user, organisation=membership.organisation, ref=ref)
    except NotFound as error:
        raise Http404(error.message) from None
    context = {"membership": membership, "memberships": portal_memberships(request), "nav": "knowledge",
               "shown": shown, "article": shown.article}  # fmt: skip
    return render(request, "knowledge/portal_detail.html", context)


@require_GET
@portal_page
def portal_article_file(request: AuthenticatedRequest, ref: str, attachment_id: int,
                        membership: Membership) -> FileResponse:  # fmt: skip
    """The file, as a download, only for people who read the article."""
    try:
        attachment = selectors.portal_attachment_get(
            actor=request.user, organisation=membership.organisation, ref=ref, attachment_id=attachment_id
        )
    except NotFound as error:
        raise Http404(error.message) from None
    return attachment_response(attachment)
