"""The service team's change pages: `/desk/changes/` — the list with its filters, a new change, a change's page
(plans, risk with each factor, affected components with suggested impact to confirm, the window against the
customer's windows and freezes, conflicts, the moves allowed, history, review) and its forms, and making the
change record of a change request ticket. Each view parses its input, calls one selector or service, and
renders or redirects; a change of a customer the person does not serve is the same 404 as a missing one."""

import zoneinfo
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.changes import risk, selectors
from picocore.changes.choices import ChangeStatus, ChangeType
from picocore.changes.forms import (
    ChangeNewForm,
    ChangePlanForm,
    ComponentsForm,
    ReviewForm,
    ScheduleForm,
    TransitionForm,
)
from picocore.changes.models import Change, StandardChangeTemplate
from picocore.changes.selectors import ChangeDetail
from picocore.changes.services import (
    change_components_set,
    change_create,
    change_from_ticket,
    change_review_record,
    change_schedule,
    change_transition,
    change_update,
    offered_templates,
)
from picocore.core.errors import NotFound, PicoCoreError, ValidationError
from picocore.core.params import parse_id
from picocore.desk.views.common import desk_page, filter_id
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Organisation
from picocore.tickets.models import Ticket


@require_GET
@desk_page
def desk_changes(request: AuthenticatedRequest) -> HttpResponse:
    """The list, filtered by customer, status and type; a filter that cannot be read is named (400)."""
    problems: list[str] = []
    organisation = filter_id(request, "organisation", problems, _("Choose a customer from the list."))
    # A status or type not in the lists is named and still applied: no change has it, the list is empty.
    status = request.GET.get("status", "").strip()
    if status and status not in ChangeStatus.values:
        problems.append(_("Choose a status from the list."))
    change_type = request.GET.get("type", "").strip()
    if change_type and change_type not in ChangeType.values:
        problems.append(_("Choose a type from the list."))
    listing = selectors.change_list(
        actor=request.user, organisation=organisation, status=status or None, change_type=change_type or None
    )
    context = {
        "nav": "changes",
        "listing": listing,
        "organisation": organisation,
        "status": status if status in ChangeStatus.values else "",
        "change_type": change_type if change_type in ChangeType.values else "",
        "statuses": ChangeStatus.choices,
        "types": ChangeType.choices,
        "problems": problems,
    }
    return render(request, "changes/desk_list.html", context, status=400 if problems else 200)


def _new_form(request: AuthenticatedRequest, data: QueryDict | None = None) -> ChangeNewForm:
    organisations = selectors.plannable_organisations(actor=request.user)
    chosen = parse_id((data or request.GET).get("organisation", ""))
    templates: list[StandardChangeTemplate] = []
    if chosen is not None and chosen in {pk for pk, _name in organisations}:
        templates = offered_templates(Organisation.objects.get(pk=chosen))
    initial = {"organisation": chosen, "change_type": request.GET.get("type", ChangeType.NORMAL)}
    return ChangeNewForm(data, organisations=organisations, templates=templates, initial=initial)


@require_http_methods(["GET", "POST"])
@desk_page
def desk_change_new(request: AuthenticatedRequest) -> HttpResponse:
    """A new change: type, customer and (for a standard change) the template; GET with a customer offers its
    tier's standard changes."""
    if request.method == "GET":
        return render(request, "changes/desk_new.html", {"nav": "changes", "form": _new_form(request)})
    form = _new_form(request, request.POST)
    status = 400
    if form.is_valid():
        try:
            change = change_create(
                actor=request.user,
                organisation_id=form.cleaned_data["organisation"],
                change_type=form.cleaned_data["change_type"],
                title=form.cleaned_data["title"],
                reason=form.cleaned_data["reason"],
                template_id=form.cleaned_data["template"],
            )
        except NotFound:
            form.add_error("organisation", _("Choose a customer from the list."))
        except ValidationError as error:
            _form_errors(form, error, {"change_type": "change_type", "template": "template"})
        except PicoCoreError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(request, _("%(key)s is made: plan it below.") % {"key": change.key})
            return redirect(reverse("desk:change", args=[change.pk]))
    return render(request, "changes/desk_new.html", {"nav": "changes", "form": form}, status=status)


def _form_errors(form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    if not error.field_errors:
        form.add_error(None, error.message)
    for field, errors in error.field_errors.items():
        name = (fields or {}).get(field, field)
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


def _plan_form(detail: ChangeDetail, data: QueryDict | None = None) -> ChangePlanForm:
    change = detail.change
    initial = {
        "title": change.title, "reason": change.reason, "implementation_plan": change.implementation_plan,
        "test_plan": change.test_plan, "backout_plan": change.backout_plan,
        "downtime_minutes": change.downtime_minutes, "implementer": change.implementer_id,
        **{f"risk_{key}": ("yes" if value else "no") for key, value in risk.clean_answers(change.risk_answers).items()},
    }  # fmt: skip
    return ChangePlanForm(data, initial=initial, implementers=detail.implementers)


def _schedule_form(change: Change, data: QueryDict | None = None) -> ScheduleForm:
    zone = zoneinfo.ZoneInfo(change.organisation.time_zone)
    initial = {
        name: value.astimezone(zone).replace(tzinfo=None)
        for name, value in (("start", change.planned_start), ("end", change.planned_end))
        if value is not None
    }
    return ScheduleForm(data, initial=initial)


def change_page(
    request: AuthenticatedRequest, change_id: int, *, status: int = 200, error: str = "", **given: forms.Form
) -> HttpResponse:
    """The change's page with its forms (`given` ones as sent back); `error` says why an action on it was refused."""
    try:
        detail = selectors.change_detail(actor=request.user, change_id=change_id)
    except NotFound:
        raise Http404 from None
    context = {
        "nav": "changes",
        "detail": detail,
        "change": detail.change,
        "plan_form": given.get("plan_form") or _plan_form(detail),
        "schedule_form": given.get("schedule_form") or _schedule_form(detail.change),
        "review_form": given.get("review_form") or ReviewForm(initial=_review_initial(detail)),
        "transition_form": given.get("transition_form") or TransitionForm(),
        "moves": [(target, ChangeStatus(target).label) for target in detail.moves],
        "error": error,
    }
    return render(request, "changes/desk_detail.html", context, status=status)


def _review_initial(detail: ChangeDetail) -> dict[str, str]:
    if detail.review is None:
        return {}
    return {"outcome": detail.review.outcome, "lessons": detail.review.lessons,
            "incidents": ", ".join(detail.incident_keys)}  # fmt: skip


def _form_flow(
    request: AuthenticatedRequest,
    change_id: int,
    name: str,
    form: forms.Form,
    valid: bool,
    save: Callable[[], object],
    fields: dict[str, str],
    done: str,
) -> HttpResponse:
    """One of the change page's forms (`name` in its context): when `valid`, `save` calls the service and the page
    is shown again with `done`; a refusal lands on the form's fields (`fields` maps the service's names to the
    form's) or, when it is not about a field, above the page with the error's status; an invalid form is a 400."""
    if valid:
        try:
            save()
        except NotFound:
            raise Http404 from None
        except ValidationError as error:
            _form_errors(form, error, fields)
        except PicoCoreError as error:
            return change_page(request, change_id, status=error.status_code, error=error.message, **{name: form})
        else:
            messages.success(request, done)
            return _back(change_id)
    return change_page(request, change_id, status=400, error="", **{name: form})  # `error` named: the forms are `given`


def _back(change_id: int) -> HttpResponse:
    return redirect(reverse("desk:change", args=[change_id]))


@require_http_methods(["GET", "POST"])
@desk_page
def desk_change(request: AuthenticatedRequest, change_id: int) -> HttpResponse:
    """The change's page; a POST saves its texts, plans, implementer and risk answers."""
    if request.method == "GET":
        return change_page(request, change_id)
    try:
        detail = selectors.change_detail(actor=request.user, change_id=change_id)
    except NotFound:
        raise Http404 from None
    form = _plan_form(detail, request.POST)

    def save() -> None:
        change_update(
            actor=request.user, change_id=change_id, title=form.cleaned_data["title"],
            reason=form.cleaned_data["reason"], implementation_plan=form.cleaned_data["implementation_plan"],
            test_plan=form.cleaned_data["test_plan"], backout_plan=form.cleaned_data["backout_plan"],
            downtime_minutes=form.cleaned_data["downtime_minutes"], implementer_id=form.cleaned_data["implementer"],
            risk_answers=form.risk_answers(),
        )  # fmt: skip

    valid = form.is_valid()
    return _form_flow(request, change_id, "plan_form", form, valid, save, {"implementer": "implementer"},
                      _("The change is saved."))  # fmt: skip


@require_POST
@desk_page
def desk_change_components(request: AuthenticatedRequest, change_id: int) -> HttpResponse:
    """Confirm one component (a suggestion or one picked from the landscape) or remove a confirmed one."""
    try:
        change = selectors.change_get(actor=request.user, change_id=change_id)
    except NotFound:
        raise Http404 from None
    form = ComponentsForm(request.POST)
    current = [row.component_id for row in change.affected.all()]
    if not form.is_valid() or not (form.cleaned_data["confirm"] or form.cleaned_data["remove"]):
        messages.error(request, _("Choose a component of this customer's landscape."))
        return change_page(request, change_id, status=400)
    wanted = set(current)
    if form.cleaned_data["confirm"]:
        wanted.add(form.cleaned_data["confirm"])
    if form.cleaned_data["remove"]:
        wanted.discard(form.cleaned_data["remove"])
    try:
        change_components_set(actor=request.user, change_id=change_id, component_ids_=sorted(wanted))
    except NotFound as error:
        messages.error(request, error.message if "component" in error.message else _("There is no such change."))
        return change_page(request, change_id, status=404)
    except PicoCoreError as error:
        messages.error(request, error.message)
        return change_page(request, change_id, status=error.status_code)
    messages.success(request, _("The affected components are saved."))
    return _back(change_id)


@require_POST
@desk_page
def desk_change_schedule(request: AuthenticatedRequest, change_id: int) -> HttpResponse:
    """Plan or move the window, read in the customer's local time."""
    try:
        change = selectors.change_get(actor=request.user, change_id=change_id)
    except NotFound:
        raise Http404 from None
    form = _schedule_form(change, request.POST)
    with timezone.override(change.organisation.time_zone):
        valid = form.is_valid()

    def save() -> None:
        change_schedule(
            actor=request.user, change_id=change_id, start=form.cleaned_data["start"],
            end=form.cleaned_data["end"], override=form.cleaned_data["override"],
        )  # fmt: skip

    return _form_flow(request, change_id, "schedule_form", form, valid, save,
                      {"planned_start": "start", "planned_end": "end"}, _("The window is saved."))  # fmt: skip


@require_POST
@desk_page
def desk_change_transition(request: AuthenticatedRequest, change_id: int) -> HttpResponse:
    """Move the change; a refused move names why (and the moves allowed)."""
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the moves offered."))
        return change_page(request, change_id, status=400, transition_form=form)
    try:
        change = change_transition(
            actor=request.user, change_id=change_id, target=form.cleaned_data["target"],
            reason=form.cleaned_data["reason"], override=form.cleaned_data["override"],
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except PicoCoreError as error:
        messages.error(request, _error_text(error))
        return change_page(request, change_id, status=error.status_code, transition_form=form)
    status = change.get_status_display().lower()
    messages.success(request, _("%(key)s is now %(status)s.") % {"key": change.key, "status": status})
    return _back(change_id)


def _error_text(error: PicoCoreError) -> str:
    if isinstance(error, ValidationError) and error.field_errors:
        return " ".join(message for messages_ in error.field_errors.values() for message in messages_)
    return error.message


@require_POST
@desk_page
def desk_change_review(request: AuthenticatedRequest, change_id: int) -> HttpResponse:
    """Write the post-implementation review."""
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            change_review_record(
                actor=request.user, change_id=change_id, outcome=form.cleaned_data["outcome"],
                lessons=form.cleaned_data["lessons"], incident_keys=form.incident_keys(),
            )  # fmt: skip
        except NotFound as error:
            if "ticket" not in error.message:
                raise Http404 from None
            form.add_error("incidents", error.message)
        except ValidationError as error:
            _form_errors(form, error)
        except PicoCoreError as error:
            messages.error(request, error.message)
            return change_page(request, change_id, status=error.status_code, review_form=form)
        else:
            messages.success(request, _("The review is saved."))
            return _back(change_id)
    return change_page(request, change_id, status=400, review_form=form)


@require_POST
@desk_page
def desk_change_from_ticket(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Make the change record of a change request ticket (or open the one it has)."""
    ticket = Ticket.objects.filter(key=key).only("pk").first()
    change_type = request.POST.get("change_type", ChangeType.NORMAL)
    try:
        if ticket is None:
            raise NotFound("")
        change = change_from_ticket(
            actor=request.user, ticket_id=ticket.pk,
            change_type=change_type if change_type in (ChangeType.NORMAL, ChangeType.EMERGENCY) else ChangeType.NORMAL,
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except PicoCoreError as error:
        messages.error(request, error.message)
        return redirect(reverse("desk:ticket", args=[key]))
    return _back(change.pk)
