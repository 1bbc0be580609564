"""The customers' landscapes on the desk: `/desk/landscape/` (the customers served), one customer's landscape
with its CSV export and import, the component page with its runbook, the forms that change them, and the
ticket page's "confirm affected" action. A landscape, component, integration or contact of a customer the
person does not serve is the same 404 as one that does not exist."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.cmdb import csv as landscape_csv
from picocore.cmdb import selectors as cmdb
from picocore.cmdb import services
from picocore.cmdb.models import Contact, Integration
from picocore.cmdb.permissions import can_edit
from picocore.core.errors import NotFound, PermissionDenied, PicoCoreError, ValidationError
from picocore.core.forms import show_service_errors
from picocore.desk import landscape
from picocore.desk.landscape_forms import (
    ComponentForm,
    ContactForm,
    ImpactForm,
    ImportForm,
    IntegrationForm,
    RunbookForm,
    TicketComponentForm,
)
from picocore.desk.views.common import desk_page, error_text
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.scope import served_organisations
from picocore.tickets.models import Ticket
from picocore.tickets.queues import desk_ticket_get
from picocore.tickets.services.impact import ticket_component_set, ticket_impact_confirm, ticket_impact_remove


def _landscape(request: AuthenticatedRequest, organisation_id: int) -> cmdb.Landscape:
    try:
        return cmdb.desk_landscape(actor=request.user, organisation_id=organisation_id)
    except NotFound:
        raise Http404 from None


@require_GET
@desk_page
def landscape_list(request: AuthenticatedRequest) -> HttpResponse:
    """The customers whose landscapes the person works on."""
    organisations = list(served_organisations(request.user).order_by("name").only("id", "name"))
    return render(request, "cmdb/desk_list.html", {"nav": "landscape", "organisations": organisations})


@require_GET
@desk_page
def landscape_detail(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    view = _landscape(request, organisation_id)
    context = {"nav": "landscape", "landscape": view, "may_edit": can_edit(request.user, organisation_id)}
    return render(request, "cmdb/desk_landscape.html", context)


def _csv_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@desk_page
def landscape_export(request: AuthenticatedRequest, organisation_id: int, what: str) -> HttpResponse:
    try:
        if what == "components":
            text = landscape_csv.components_csv(actor=request.user, organisation_id=organisation_id)
        elif what == "integrations":
            text = landscape_csv.integrations_csv(actor=request.user, organisation_id=organisation_id)
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    return _csv_response(text, f"landscape-{organisation_id}-{what}.csv")


@require_http_methods(["GET", "POST"])
@desk_page
def landscape_import(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    """Upload the two CSV files; all or nothing, with the lines that could not be read."""
    view = _landscape(request, organisation_id)
    if not can_edit(request.user, organisation_id):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            texts = form.cleaned_data["texts"]
            try:
                result = landscape_csv.landscape_import(
                    actor=request.user, organisation_id=organisation_id, components=texts["components"],
                    integrations=texts["integrations"],
                )  # fmt: skip
            except ValidationError as error:
                problems = error.field_errors.get("file", []) or [error_text(error)]
            except PermissionDenied as error:
                problems = [error.message]
                status = 403
            else:
                messages.success(
                    request,
                    _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                    % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                )
                return redirect("desk:landscape", organisation_id=organisation_id)
    context = {"nav": "landscape", "landscape": view, "form": form, "problems": problems}
    return render(request, "cmdb/desk_import.html", context, status=status)


def _component_url(component_id: int) -> str:
    return reverse("desk:component", kwargs={"component_id": component_id})


def _landscape_url(organisation_id: int) -> str:
    return reverse("desk:landscape", kwargs={"organisation_id": organisation_id})


def _form_page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, {"nav": "landscape", **context}, status=status)


def _form_flow(
    request: AuthenticatedRequest, form: forms.Form, save: Callable[[], tuple[str, str]], template: str, context: dict
) -> HttpResponse:
    """A landscape form: on a valid POST, `save` calls the service and gives the message to show and the page to
    go to; a refusal of the service is shown on the form (400), a foreign or missing object is a 404."""
    if request.method == "POST" and form.is_valid():
        try:
            message, to = save()
        except NotFound:
            raise Http404 from None
        except PicoCoreError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(to)
    return _form_page(request, template, {"form": form, **context}, 400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@desk_page
def component_new(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    view = _landscape(request, organisation_id)
    if not can_edit(request.user, organisation_id):
        raise Http404
    form = ComponentForm(request.POST or None, organisation_id=organisation_id,
                         initial={"environment": request.GET.get("environment")})  # fmt: skip

    def save() -> tuple[str, str]:
        component = services.component_create(
            actor=request.user, environment_id=form.cleaned_data["environment"].pk, data=form.data_object()
        )
        return _("Component %(name)s added.") % {"name": component.name}, _component_url(component.pk)

    context = {"landscape": view, "component": None}
    return _form_flow(request, form, save, "cmdb/desk_component_form.html", context)


@require_GET
@desk_page
def component_detail(request: AuthenticatedRequest, component_id: int) -> HttpResponse:
    try:
        page = landscape.component_page(actor=request.user, component_id=component_id)
    except NotFound:
        raise Http404 from None
    context = {
        "nav": "landscape",
        "page": page,
        "component": page.component,
        "may_edit": can_edit(request.user, page.component.organisation_id),
        "runbook_form": RunbookForm(initial={"text": page.runbook.text if page.runbook else ""}),
    }
    return render(request, "cmdb/desk_component.html", context)


def _editable_component(request: AuthenticatedRequest, component_id: int):
    try:
        component = cmdb.component_get(actor=request.user, component_id=component_id)
    except NotFound:
        raise Http404 from None
    if not can_edit(request.user, component.organisation_id):
        raise Http404
    return component


@require_http_methods(["GET", "POST"])
@desk_page
def component_edit(request: AuthenticatedRequest, component_id: int) -> HttpResponse:
    component = _editable_component(request, component_id)
    initial = {name: getattr(component, name) for name in ("name", "kind", "product", "version", "end_of_life", "url",
                                                            "hosting", "owner", "notes")}  # fmt: skip
    initial["environment"] = component.environment_id
    form = ComponentForm(request.POST or None, organisation_id=component.organisation_id, initial=initial)

    def save() -> tuple[str, str]:
        services.component_update(actor=request.user, component_id=component.pk, data=form.data_object(),
                                  environment_id=form.cleaned_data["environment"].pk)  # fmt: skip
        return _("Component saved."), _component_url(component.pk)

    context = {"component": component, "organisation": component.organisation}
    return _form_flow(request, form, save, "cmdb/desk_component_form.html", context)


@require_POST
@desk_page
def component_delete(request: AuthenticatedRequest, component_id: int) -> HttpResponse:
    component = _editable_component(request, component_id)
    services.component_delete(actor=request.user, component_id=component.pk)
    messages.success(request, _("Component %(name)s removed.") % {"name": component.name})
    return redirect("desk:landscape", organisation_id=component.organisation_id)


@require_POST
@desk_page
def runbook_revise(request: AuthenticatedRequest, component_id: int) -> HttpResponse:
    component = _editable_component(request, component_id)
    form = RunbookForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        version = services.runbook_revise(actor=request.user, component_id=component.pk, text=form.cleaned_data["text"])
    except NotFound:
        raise Http404 from None
    except PicoCoreError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Runbook saved as version %(number)s.") % {"number": version.number})
    return redirect(reverse("desk:component", kwargs={"component_id": component.pk}) + "#runbook")


@require_http_methods(["GET", "POST"])
@desk_page
def integration_new(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    view = _landscape(request, organisation_id)
    if not can_edit(request.user, organisation_id):
        raise Http404
    form = IntegrationForm(request.POST or None, organisation_id=organisation_id,
                           initial={"source": request.GET.get("source")})  # fmt: skip

    def save() -> tuple[str, str]:
        services.integration_create(actor=request.user, organisation_id=organisation_id, data=form.data_object())
        return _("Integration added."), _landscape_url(organisation_id)

    return _form_flow(request, form, save, "cmdb/desk_integration_form.html", {"landscape": view})


def _editable_landscape(request: AuthenticatedRequest, organisation_id: int | None) -> cmdb.Landscape:
    """The landscape of an object's organisation for someone who may edit it; a 404 otherwise (a missing object
    has no organisation)."""
    if organisation_id is None:
        raise Http404
    view = _landscape(request, organisation_id)
    if not can_edit(request.user, organisation_id):
        raise Http404
    return view


@require_http_methods(["GET", "POST"])
@desk_page
def integration_edit(request: AuthenticatedRequest, integration_id: int) -> HttpResponse:
    integration = Integration.objects.filter(pk=integration_id).first()
    view = _editable_landscape(request, integration.organisation_id if integration else None)
    assert integration is not None
    initial = {name: getattr(integration, name) for name in ("name", "direction", "protocol", "schedule",
                                                              "failure_effect")}  # fmt: skip
    initial |= {"source": integration.source_id, "target": integration.target_id}
    form = IntegrationForm(request.POST or None, organisation_id=integration.organisation_id, initial=initial)

    def save() -> tuple[str, str]:
        services.integration_update(actor=request.user, integration_id=integration.pk, data=form.data_object())
        return _("Integration saved."), _landscape_url(integration.organisation_id)

    context = {"landscape": view, "editing": integration}
    return _form_flow(request, form, save, "cmdb/desk_integration_form.html", context)


@require_POST
@desk_page
def integration_delete(request: AuthenticatedRequest, integration_id: int) -> HttpResponse:
    organisation_id = Integration.objects.filter(pk=integration_id).values_list("organisation_id", flat=True).first()
    try:
        services.integration_delete(actor=request.user, integration_id=integration_id)
    except (NotFound, PermissionDenied):
        raise Http404 from None
    messages.success(request, _("Integration removed."))
    return redirect("desk:landscape", organisation_id=organisation_id)


@require_http_methods(["GET", "POST"])
@desk_page
def contact_new(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    view = _landscape(request, organisation_id)
    if not can_edit(request.user, organisation_id):
        raise Http404
    form = ContactForm(request.POST or None, organisation_id=organisation_id)

    def save() -> tuple[str, str]:
        services.contact_create(actor=request.user, organisation_id=organisation_id, data=form.data_object())
        return _("Contact added."), _landscape_url(organisation_id) + "#contacts"

    return _form_flow(request, form, save, "cmdb/desk_contact_form.html", {"landscape": view})


@require_http_methods(["GET", "POST"])
@desk_page
def contact_edit(request: AuthenticatedRequest, contact_id: int) -> HttpResponse:
    contact = Contact.objects.filter(pk=contact_id).first()
    view = _editable_landscape(request, contact.organisation_id if contact else None)
    assert contact is not None
    initial = {name: getattr(contact, name) for name in ("role", "name", "email", "phone")}
    initial |= {"user": contact.user_id, "solution": contact.solution_id}
    form = ContactForm(request.POST or None, organisation_id=contact.organisation_id, initial=initial)

    def save() -> tuple[str, str]:
        services.contact_update(actor=request.user, contact_id=contact.pk, data=form.data_object())
        return _("Contact saved."), _landscape_url(contact.organisation_id) + "#contacts"

    return _form_flow(request, form, save, "cmdb/desk_contact_form.html", {"landscape": view, "editing": contact})


@require_POST
@desk_page
def contact_delete(request: AuthenticatedRequest, contact_id: int) -> HttpResponse:
    organisation_id = Contact.objects.filter(pk=contact_id).values_list("organisation_id", flat=True).first()
    try:
        services.contact_delete(actor=request.user, contact_id=contact_id)
    except (NotFound, PermissionDenied):
        raise Http404 from None
    assert organisation_id is not None  # the contact existed: the service found it
    messages.success(request, _("Contact removed."))
    return redirect(_landscape_url(organisation_id) + "#contacts")


PanelAction = Callable[[Ticket, dict], tuple[int, str]]


def _panel_action(request: AuthenticatedRequest, key: str, form: type[forms.Form], act: PanelAction) -> HttpResponse:
    """A POST from the ticket page's landscape panel: `act` calls the service with the ticket and the valid form's
    data and gives the message to show (level, text); back to the panel, with a refusal shown as an error."""
    ticket = desk_ticket_get(actor=request.user, key=key)
    posted = form(request.POST)
    target = reverse("desk:ticket", kwargs={"key": ticket.key}) + "#landscape-h"
    if not posted.is_valid():
        messages.error(request, _("Choose a component of this customer's landscape."))
        return redirect(target)
    try:
        level, text = act(ticket, posted.cleaned_data)
    except NotFound:
        raise
    except PicoCoreError as error:
        messages.error(request, error_text(error))
    else:
        messages.add_message(request, level, text)
    return redirect(target)


@require_POST
@desk_page
def ticket_impact(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Confirm (or withdraw) a component the ticket affects; nothing is attached without this."""

    def act(ticket: Ticket, data: dict) -> tuple[int, str]:
        if data["action"] == "confirm":
            impact = ticket_impact_confirm(actor=request.user, ticket=ticket, component_id=data["component"],
                                           reason=data["reason"])  # fmt: skip
            return messages.SUCCESS, _("%(name)s is now recorded as affected.") % {"name": impact.component.name}
        if ticket_impact_remove(actor=request.user, ticket=ticket, component_id=data["component"]):
            return messages.SUCCESS, _("The component is no longer recorded as affected.")
        return messages.INFO, _("That component was not recorded as affected; nothing changed.")

    return _panel_action(request, key, ImpactForm, act)


@require_POST
@desk_page
def ticket_component(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Set (or clear) the component the ticket is about, from the landscape panel."""

    def act(ticket: Ticket, data: dict) -> tuple[int, str]:
        if ticket_component_set(actor=request.user, ticket=ticket, component_id=data["component"]):
            return messages.SUCCESS, _("The ticket's component is saved.")
        return messages.INFO, _("The ticket already had that component; nothing changed.")

    return _panel_action(request, key, TicketComponentForm, act)
