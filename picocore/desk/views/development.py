"""The development backlog as developers see it."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from picocore.core.errors import PicoCoreError
from picocore.desk import forms
from picocore.desk.views.common import development_page, error_text
from picocore.development.selectors import development_item_get, development_items_for
from picocore.development.services import development_item_move
from picocore.tenancy.http import AuthenticatedRequest


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
                form.add_error(None, error_text(error))
                status = error.status_code
            else:
                messages.success(request, _("Milestone updated; the customer sees it."))
                return redirect("desk:development_item", item_id=item.pk)
    return render(
        request, "desk/development_item.html", {"nav": "development", "item": item, "form": form}, status=status
    )
