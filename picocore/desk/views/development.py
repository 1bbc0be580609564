"""The development backlog as developers see it."""

from functools import partial

from django.contrib import messages
from django.db.models import Count, Sum, Window
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.errors import PicoCoreError
from picocore.desk import forms
from picocore.desk.views.common import development_page, error_text
from picocore.desk.views.time import timer_act, timer_context, write_entry
from picocore.development.selectors import development_item_get, development_items_for
from picocore.development.services import development_item_move
from picocore.hours.forms import TimeEntryForm
from picocore.hours.permissions import can_log_time
from picocore.hours.services import time_log
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
    return _item_page(request, item, form=form, status=status)


def _item_page(request: AuthenticatedRequest, item, *, form=None, time_form=None, status: int = 200) -> HttpResponse:
    """The item with its milestone form, the caller's timer and the time its developers logged on it (counted
    against its ticket's contract)."""
    today = organisation_date(item.organisation, now())
    # The totals over all the item's entries ride on the rows shown (a window over the whole set, counted before
    # the limit), so the timer costs the page no query more.
    shown = list(
        item.time_entries.select_related("author")
        .annotate(all_count=Window(Count("id")), all_worked=Window(Sum("minutes")),
                  all_debited=Window(Sum("debited_minutes")))
        .order_by("-work_date", "-id")[:100]
    )  # fmt: skip
    totals = (
        {"count": shown[0].all_count, "worked": shown[0].all_worked, "debited": shown[0].all_debited}
        if shown
        else {"count": 0, "worked": None, "debited": None}
    )
    context = {
        "nav": "development",
        "item": item,
        "form": form or forms.MilestoneForm(current=item.milestone),
        "time_form": time_form or TimeEntryForm(today=today),
        "may_log_time": can_log_time(request.user, item.ticket, development_item=item),
        "entries": shown,
        "totals": totals,
        **timer_context(request.user, ticket=item.ticket, development_item=item),
    }
    return render(request, "desk/development_item.html", context, status=status)


@require_POST
@development_page
def development_item_time(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    """Log time worked on the development item, against its ticket (the same hour bank as the operations team's
    time); back to the item, or the item with what was wrong and nothing logged."""
    item = development_item_get(actor=request.user, item_id=item_id)
    form = TimeEntryForm(request.POST, today=organisation_date(item.organisation, now()))
    log = partial(time_log, actor=request.user, ticket=item.ticket, development_item=item)
    refused = write_entry(form, item.organisation, log)
    if refused is not None:
        return _item_page(request, item, time_form=form, status=refused)
    messages.success(request, _("Time logged against %(key)s.") % {"key": item.ticket.key})
    return redirect("desk:development_item", item_id=item.pk)


@require_POST
@development_page
def development_item_timer(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    """Start, stop (logging the time it ran against the item's ticket, as the duration entry is) or discard the
    caller's timer on the development item; back to the item with what happened."""
    item = development_item_get(actor=request.user, item_id=item_id)
    timer_act(request, ticket=item.ticket, development_item=item)
    return redirect(reverse("desk:development_item", kwargs={"item_id": item.pk}) + "#timer")
