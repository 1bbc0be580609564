"""The service team's problem pages: `/desk/problems/` — the list with its filters (status, owner, customer; by
keyset, newest change first), a new problem, a problem's page (its texts, the moves allowed, linked incidents,
affected components and customers, the fixing change, the workaround published to the incidents, the known issue
for customers, the incidents proposed for resolution once the fix is done, history) and its forms; and the
recurring-incident proposals, which service managers accept or dismiss. Each view parses its input, calls one
selector or service, and renders or redirects; a problem the person may not see is the same 404 as a missing
one."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.core.errors import NotFound, PicoCoreError, ValidationError
from picocore.desk.views.common import desk_page, error_text, filter_choice, filter_id
from picocore.problems import permissions, selectors
from picocore.problems.choices import ProblemStatus, ProposalStatus
from picocore.problems.errors import ProblemNotFound
from picocore.problems.forms import (
    ComponentForm,
    FixingChangeForm,
    IncidentForm,
    KnownIssueForm,
    ProblemForm,
    ProposalForm,
    PublishForm,
    ResolveForm,
    TransitionForm,
    UnlinkForm,
)
from picocore.problems.selectors import ProblemDetail
from picocore.problems.services import (
    problem_component_add,
    problem_component_remove,
    problem_create,
    problem_link_incident,
    problem_publish_known_issue,
    problem_publish_workaround,
    problem_resolve_incidents,
    problem_set_fixing_change,
    problem_transition,
    problem_unlink_incident,
    problem_update,
    problem_withdraw_known_issue,
    proposal_accept,
    proposal_dismiss,
)
from picocore.tenancy.http import AuthenticatedRequest

NAV = "problems"


def _problem_staff(request: AuthenticatedRequest) -> None:
    if not permissions.works_on_problems(request.user):
        raise Http404


@require_GET
@desk_page
def desk_problems(request: AuthenticatedRequest) -> HttpResponse:
    """The list; a filter or page position that cannot be read is named (400) and the list shown without it."""
    _problem_staff(request)
    problems: list[str] = []
    status = filter_choice(request, "status", ProblemStatus.values, problems, _("Choose a status from the list."))
    owner = filter_id(request, "owner", problems, _("Choose an owner from the list."))
    organisation = filter_id(request, "organisation", problems, _("Choose a customer from the list."))
    filters = selectors.ProblemFilters(status=status, owner=owner, organisation=organisation)
    page, rows = selectors.problem_page(actor=request.user, filters=filters, cursor=request.GET.get("after") or None)
    if page.cursor_refused:
        problems.append(_("That page of the list no longer exists: this is the first page."))
    organisations, owners = selectors.problem_filter_choices(actor=request.user)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "nav": NAV, "page": page, "rows": rows, "filters": filters, "statuses": ProblemStatus.choices,
        "organisations": organisations, "owners": owners, "problems": problems, "query": query.urlencode(),
        "may_decide": permissions.may_decide_proposals(request.user),
    }  # fmt: skip
    return render(request, "problems/desk_list.html", context, status=400 if problems else 200)


def _form_errors(form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    if not error.field_errors:
        form.add_error(None, error.message)
    for field, errors in error.field_errors.items():
        name = (fields or {}).get(field, field)
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


@require_http_methods(["GET", "POST"])
@desk_page
def desk_problem_new(request: AuthenticatedRequest) -> HttpResponse:
    """A new problem: its texts, owner and (optionally) its first incident."""
    _problem_staff(request)
    owners = selectors.owner_choices()
    initial = {"owner": request.user.pk, "incident": request.GET.get("incident", "")[:40]}
    if request.method == "GET":
        form = ProblemForm(owners=owners, initial=initial, with_incident=True)
        return render(request, "problems/desk_new.html", {"nav": NAV, "form": form})
    form = ProblemForm(request.POST, owners=owners, with_incident=True)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            problem = problem_create(
                actor=request.user, title=data["title"], description=data["description"],
                root_cause=data["root_cause"], workaround=data["workaround"], owner_id=data["owner"],
                next_step=data["next_step"], next_step_due=data["next_step_due"], ticket_key=data["incident"],
            )  # fmt: skip
        except NotFound as error:
            form.add_error("incident", error.message)
        except ValidationError as error:
            _form_errors(form, error, {"ticket": "incident"})
        except PicoCoreError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(request, _("%(key)s is logged.") % {"key": problem.key})
            return redirect(reverse("desk:problem", args=[problem.pk]))
    return render(request, "problems/desk_new.html", {"nav": NAV, "form": form}, status=status)


def _edit_form(detail: ProblemDetail, data: object = None) -> ProblemForm:
    problem = detail.problem
    initial = {
        "title": problem.title, "description": problem.description, "root_cause": problem.root_cause,
        "workaround": problem.workaround, "owner": problem.owner_id, "next_step": problem.next_step,
        "next_step_due": problem.next_step_due,
    }  # fmt: skip
    return ProblemForm(data, owners=detail.owners, initial=initial)


def _resolve_form(detail: ProblemDetail, data: object = None) -> ResolveForm:
    choices = [(link.ticket_id, f"{link.ticket.key} {link.ticket.title}") for link in detail.candidates]
    initial = {"tickets": [pk for pk, _label in choices], "note": _("Fixed by %(key)s.") % {
        "key": detail.problem.fixing_change.key if detail.problem.fixing_change else ""}}  # fmt: skip
    return ResolveForm(data, candidates=choices, initial=initial)


def _page(request: AuthenticatedRequest, problem_id: int, *, status: int = 200, **given: forms.Form) -> HttpResponse:
    try:
        detail = selectors.problem_detail(actor=request.user, problem_id=problem_id)
    except NotFound:
        raise Http404 from None
    problem = detail.problem
    context = {
        "nav": NAV,
        "detail": detail,
        "problem": problem,
        "edit_form": given.get("edit_form") or _edit_form(detail),
        "incident_form": given.get("incident_form") or IncidentForm(),
        "change_form": given.get("change_form")
        or FixingChangeForm(initial={"change": problem.fixing_change.key if problem.fixing_change else ""}),
        "publish_form": given.get("publish_form") or PublishForm(),
        "known_issue_form": given.get("known_issue_form")
        or KnownIssueForm(initial={"known_issue_title": problem.known_issue_title or problem.title,
                                   "known_issue_text": problem.known_issue_text or problem.workaround}),
        "resolve_form": given.get("resolve_form") or _resolve_form(detail),
        "moves": [(target, ProblemStatus(target).label) for target in detail.moves],
        "closed": problem.status == ProblemStatus.CLOSED,
    }  # fmt: skip
    return render(request, "problems/desk_detail.html", context, status=status)


def _back(problem_id: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("desk:problem", args=[problem_id]) + (f"#{anchor}" if anchor else ""))


def _flow(
    request: AuthenticatedRequest, problem_id: int, name: str, form: forms.Form, save: Callable[[], str],
    fields: dict[str, str] | None = None, anchor: str = "",
) -> HttpResponse:  # fmt: skip
    """One of the problem page's forms (`name` in its context): a valid form's `save` calls the service and returns
    what to tell; a refusal lands on the form's fields or in a message with the error's status; a refusal about a
    linked object the actor may not see stays on the form (404 only for the problem itself)."""
    _problem_staff(request)
    if form.is_valid():
        try:
            done = save()
        except ProblemNotFound:
            raise Http404 from None
        except NotFound as error:
            form.add_error(None, error.message)
            return _page(request, problem_id, status=404, **{name: form})
        except ValidationError as error:
            _form_errors(form, error, fields)
        except PicoCoreError as error:
            messages.error(request, error_text(error))
            return _page(request, problem_id, status=error.status_code, **{name: form})
        else:
            messages.success(request, done)
            return _back(problem_id, anchor)
    try:
        selectors.problem_get(actor=request.user, problem_id=problem_id)
    except NotFound:
        raise Http404 from None
    return _page(request, problem_id, status=400, **{name: form})


@require_http_methods(["GET", "POST"])
@desk_page
def desk_problem(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """The problem's page; a POST saves its texts, owner and next step."""
    _problem_staff(request)
    if request.method == "GET":
        return _page(request, problem_id)
    form = ProblemForm(request.POST, owners=selectors.owner_choices())

    def save() -> str:
        data = form.cleaned_data
        problem_update(
            actor=request.user, problem_id=problem_id, title=data["title"], description=data["description"],
            root_cause=data["root_cause"], workaround=data["workaround"], owner_id=data["owner"],
            next_step=data["next_step"], next_step_due=data["next_step_due"],
        )  # fmt: skip
        return _("The problem is saved.")

    return _flow(request, problem_id, "edit_form", form, save)


@require_POST
@desk_page
def desk_problem_transition(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """Move the problem; a refused move names why and the moves allowed (409)."""
    form = TransitionForm(request.POST)

    def save() -> str:
        problem = problem_transition(actor=request.user, problem_id=problem_id, target=form.cleaned_data["target"],
                                     reason=form.cleaned_data["reason"])  # fmt: skip
        return _("%(key)s is now %(status)s.") % {"key": problem.key, "status": problem.get_status_display().lower()}

    return _flow(request, problem_id, "transition_form", form, _with_message(request, save))


def _with_message(request: AuthenticatedRequest, save: Callable[[], str]) -> Callable[[], str]:
    """`save`, whose field errors (the page has no field for them) are told as a message instead."""

    def run() -> str:
        try:
            return save()
        except ValidationError as error:
            raise PicoCoreError(error_text(error)) from error

    return run


@require_POST
@desk_page
def desk_problem_incidents(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """Link an incident by its key, or unlink one."""
    form = IncidentForm(request.POST)
    unlink = UnlinkForm(request.POST)
    unlink_id = unlink.cleaned_data["unlink"] if unlink.is_valid() else None

    def save() -> str:
        if unlink_id:
            problem_unlink_incident(actor=request.user, problem_id=problem_id, ticket_id=unlink_id)
            return _("The incident is unlinked.")
        link = problem_link_incident(actor=request.user, problem_id=problem_id, ticket_key=form.cleaned_data["ticket"])
        return _("%(key)s is linked.") % {"key": link.ticket.key}

    return _flow(request, problem_id, "incident_form", form, save, anchor="incidents")


@require_POST
@desk_page
def desk_problem_components(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """Name an affected component, or take one off."""
    form = ComponentForm(request.POST)

    def save() -> str:
        if form.cleaned_data["remove"]:
            problem_component_remove(actor=request.user, problem_id=problem_id,
                                     component_id=form.cleaned_data["remove"])  # fmt: skip
            return _("The component is taken off.")
        if not form.cleaned_data["add"]:
            raise ValidationError(_("Choose a component from the list."))
        problem_component_add(actor=request.user, problem_id=problem_id, component_id=form.cleaned_data["add"])
        return _("The component is named as affected.")

    return _flow(request, problem_id, "component_form", form, _with_message(request, save), anchor="components")


@require_POST
@desk_page
def desk_problem_change(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """Name the fixing change by its key (or none)."""
    form = FixingChangeForm(request.POST)

    def save() -> str:
        problem_set_fixing_change(actor=request.user, problem_id=problem_id, change_key=form.cleaned_data["change"])
        return _("The fixing change is saved.")

    return _flow(request, problem_id, "change_form", form, save, anchor="fix")


@require_POST
@desk_page
def desk_problem_publish(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """Post the workaround on every linked open incident that has not had it."""
    form = PublishForm(request.POST)

    def save() -> str:
        made = problem_publish_workaround(actor=request.user, problem_id=problem_id, body=form.cleaned_data["body"])
        if not made:
            return _("Every linked open incident already has the workaround: nothing was posted.")
        return ngettext(
            "The workaround is posted on %(count)s incident.", "The workaround is posted on %(count)s incidents.",
            len(made),
        ) % {"count": len(made)}  # fmt: skip

    return _flow(request, problem_id, "publish_form", form, _with_message(request, save), anchor="workaround")


@require_POST
@desk_page
def desk_problem_known_issue(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """Publish (or update) the known issue for the affected customers, or withdraw it."""
    form = KnownIssueForm(request.POST)

    def save() -> str:
        if request.POST.get("action") == "withdraw":
            problem_withdraw_known_issue(actor=request.user, problem_id=problem_id)
            return _("The known issue is withdrawn: customers no longer see it.")
        problem_publish_known_issue(
            actor=request.user, problem_id=problem_id, title=form.cleaned_data["known_issue_title"],
            text=form.cleaned_data["known_issue_text"],
        )  # fmt: skip
        return _("The known issue is shown to the affected customers.")

    return _flow(request, problem_id, "known_issue_form", form, save, anchor="known-issue")


@require_POST
@desk_page
def desk_problem_resolve(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """Resolve the chosen incidents proposed for resolution, with the note the customers read."""
    try:
        detail = selectors.problem_detail(actor=request.user, problem_id=problem_id)
    except NotFound:
        raise Http404 from None
    form = _resolve_form(detail, request.POST)

    def save() -> str:
        data = form.cleaned_data
        resolved = problem_resolve_incidents(
            actor=request.user, problem_id=problem_id, ticket_ids=data["tickets"], note=data["note"]
        )
        return _("Resolved: %(keys)s.") % {"keys": ", ".join(t.key for t in resolved)}

    return _flow(request, problem_id, "resolve_form", form, _with_message(request, save), anchor="resolution")


def _decider(request: AuthenticatedRequest) -> None:
    if not permissions.may_decide_proposals(request.user):
        raise Http404


@require_GET
@desk_page
def desk_proposals(request: AuthenticatedRequest) -> HttpResponse:
    """The recurring-incident proposals, for the service managers: open ones, or those decided."""
    _decider(request)
    problems: list[str] = []
    status = filter_choice(request, "status", ProposalStatus.values, problems, _("Choose a status from the list."))
    proposals = selectors.proposal_list(actor=request.user, status=status or ProposalStatus.OPEN)
    context = {"nav": NAV, "proposals": proposals, "status": status or ProposalStatus.OPEN,
               "statuses": ProposalStatus.choices, "problems": problems}  # fmt: skip
    return render(request, "problems/desk_proposals.html", context, status=400 if problems else 200)


@require_POST
@desk_page
def desk_proposal(request: AuthenticatedRequest, proposal_id: int) -> HttpResponse:
    """Accept (makes the problem, which then opens) or dismiss one proposal."""
    _decider(request)
    form = ProposalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Accept or dismiss the proposal."))
        return redirect(reverse("desk:problem_proposals"))
    try:
        if form.cleaned_data["action"] == "accept":
            problem = proposal_accept(actor=request.user, proposal_id=proposal_id)
            messages.success(request, _("%(key)s is logged from the proposal.") % {"key": problem.key})
            return redirect(reverse("desk:problem", args=[problem.pk]))
        proposal_dismiss(actor=request.user, proposal_id=proposal_id)
    except NotFound:
        raise Http404 from None
    except PicoCoreError as error:
        messages.error(request, error.message)
        return redirect(reverse("desk:problem_proposals"))
    messages.success(request, _("The proposal is dismissed; its incidents are not proposed again."))
    return redirect(reverse("desk:problem_proposals"))
