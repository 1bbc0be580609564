"""The desk's search: one box over everything the member of staff may work on."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from picocore.desk.views.common import desk_page
from picocore.search.selectors import desk_search
from picocore.tenancy.http import AuthenticatedRequest


@require_GET
@desk_page
def search(request: AuthenticatedRequest) -> HttpResponse:
    """The hits of `q`, best first per kind; an empty box shows the form and how to search."""
    results = desk_search(actor=request.user, text=request.GET.get("q", ""))
    return render(request, "search/desk_search.html", {"nav": "search", "results": results})
