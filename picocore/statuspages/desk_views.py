"""The service team's status page pages, `/desk/status/`: the organisations served with their pages; per
organisation its settings and signed link, the state of each component and why, the major outages awaiting
confirmation, its incidents and subscribers; an incident's page with its updates. Each view parses its input,
calls one selector or service, and renders or redirects; an organisation, incident or subscriber the person does
not serve is the same 404 as a missing one."""

import zoneinfo
from collections.abc import Callable
from functools import wraps

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from picocore.core.errors import NotFound, PicoCoreError, ValidationError
from picocore.statuspages import links, permissions, selectors, services
from picocore.statuspages.forms import IncidentForm, OutageForm, SettingsForm, SubscriberForm, UpdateForm
from picocore.statuspages.models import StatusIncident
from picocore.tenancy.models import Organisation, User

NAV = "status"
View = Callable[..., HttpResponse]


def staff_page(view: View) -> View:
    """Signed-in consultants, service managers and administrators only; anyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not isinstance(request.user, User) or request.user.staff_role not in permissions.MANAGERS:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    try:
        return selectors.managed_organisation(actor=_user(request), organisation_id=organisation_id)
    except NotFound:
        raise Http404 from None


def _apply_errors(form: django_forms.Form, error: ValidationError) -> None:
    if not error.field_errors:
        form.add_error(None, error.message)
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


def _incident_form(organisation: Organisation, data: object = None) -> IncidentForm:
    components = [(c.pk, f"{c.environment.solution.name} · {c.environment.get_kind_display()} · {c.name}")
                  for c in selectors.components_of(organisation)]  # fmt: skip
    tickets = [(t.pk, f"{t.key} P{t.priority} {t.title}") for t in selectors.open_incident_tickets(organisation)]
    return IncidentForm(data, components=components, tickets=tickets)


@require_GET
@staff_page
def index(request: HttpRequest) -> HttpResponse:
    organisations = list(selectors.managed_organisations(actor=_user(request)))
    return render(request, "statuspages/desk_index.html", {"nav": NAV, "organisations": organisations})


def _organisation_page(
    request: HttpRequest, organisation: Organisation, *, status: int = 200, **given: django_forms.Form
) -> HttpResponse:
    page = selectors.page_for(organisation)
    link = settings.PICOCORE_BASE_URL.rstrip("/") + reverse("statuspages:page", args=[organisation.slug])
    token = links.page_token(organisation_id=organisation.pk, link_salt=page.link_salt)
    with timezone.override(zoneinfo.ZoneInfo(organisation.time_zone)):
        view = selectors.status_view(organisation)
        context = {
            "nav": NAV, "organisation": organisation, "page": page, "view": view,
            "page_url": link, "signed_url": f"{link}?token={token}",
            "settings_form": given.get("settings_form") or SettingsForm(initial={"visibility": page.visibility}),
            "incident_form": given.get("incident_form") or _incident_form(organisation),
            "subscriber_form": given.get("subscriber_form") or SubscriberForm(),
            "outage_form": OutageForm(),
            "incidents": selectors.incident_list(organisation=organisation),
            "subscribers": selectors.subscriber_list(organisation=organisation),
        }  # fmt: skip
        return render(request, "statuspages/desk_organisation.html", context, status=status)


@require_GET
@staff_page
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    return _organisation_page(request, _organisation(request, organisation_id))


def _back(organisation_id: int, anchor: str = "") -> HttpResponse:
    url = reverse("statuspages_desk:organisation", args=[organisation_id])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@require_POST
@staff_page
def settings_update(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    form = SettingsForm(request.POST)
    if form.is_valid():
        services.page_settings_update(
            actor=_user(request), organisation_id=organisation.pk, visibility=form.cleaned_data["visibility"]
        )
        messages.success(request, _("Saved."))
        return _back(organisation.pk)
    return _organisation_page(request, organisation, status=400, settings_form=form)


@require_POST
@staff_page
def link_rotate(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    services.page_link_rotate(actor=_user(request), organisation_id=organisation.pk)
    messages.success(request, _("A new link is made; the old one no longer opens the page."))
    return _back(organisation.pk)


@require_POST
@staff_page
def incident_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    form = _incident_form(organisation, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_create(
                actor=_user(request), organisation_id=organisation.pk, title=data["title"], impact=data["impact"],
                component_ids=data["components"], ticket_ids=data["tickets"], confirm_major=data["confirm_major"],
            )  # fmt: skip
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Draft written: post its first update to publish it."))
            return redirect(reverse("statuspages_desk:incident", args=[incident.pk]))
    return _organisation_page(request, organisation, status=400, incident_form=form)


@require_POST
@staff_page
def outage(request: HttpRequest, organisation_id: int, component_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    form = OutageForm(request.POST)
    if form.is_valid():
        try:
            incident = services.outage_confirm(
                actor=_user(request), organisation_id=organisation.pk, component_id=component_id,
                title=form.cleaned_data["title"], body=form.cleaned_data["body"],
            )  # fmt: skip
        except NotFound:
            raise Http404 from None
        except ValidationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Major outage confirmed and published."))
            return redirect(reverse("statuspages_desk:incident", args=[incident.pk]))
    else:
        messages.error(request, _("Give the outage a title and a first update."))
    return _organisation_page(request, organisation, status=400)


@require_POST
@staff_page
def subscriber_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    form = SubscriberForm(request.POST)
    if form.is_valid():
        try:
            subscriber = services.subscriber_add(
                actor=_user(request), organisation_id=organisation.pk, kind=form.cleaned_data["kind"],
                address=form.cleaned_data["address"],
            )  # fmt: skip
        except ValidationError as error:
            _apply_errors(form, error)
        except PicoCoreError as error:
            form.add_error(None, error.message)
        else:
            if subscriber.secret:
                messages.success(request, _("Webhook subscribed. Its signing secret, shown only now: %(secret)s")
                                 % {"secret": subscriber.secret})  # fmt: skip
            else:
                messages.success(request, _("We sent a confirmation link to %(address)s.")
                                 % {"address": subscriber.address})  # fmt: skip
            return _back(organisation.pk, "subscribers")
    return _organisation_page(request, organisation, status=400, subscriber_form=form)


@require_POST
@staff_page
def subscriber_remove(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    try:
        subscriber = services.subscriber_remove(actor=_user(request), subscriber_id=subscriber_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("%(address)s is unsubscribed.") % {"address": subscriber.address})
    return _back(subscriber.organisation_id, "subscribers")


def _incident(request: HttpRequest, incident_id: int) -> StatusIncident:
    try:
        return selectors.incident_get(actor=_user(request), incident_id=incident_id)
    except NotFound:
        raise Http404 from None


def _incident_page(
    request: HttpRequest, incident: StatusIncident, *, status: int = 200, update_form: UpdateForm | None = None
) -> HttpResponse:
    with timezone.override(zoneinfo.ZoneInfo(incident.organisation.time_zone)):
        context = {"nav": NAV, "incident": incident, "organisation": incident.organisation,
                   "update_form": update_form or UpdateForm(initial={"state": incident.state})}  # fmt: skip
        return render(request, "statuspages/desk_incident.html", context, status=status)


@require_GET
@staff_page
def incident(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _incident_page(request, _incident(request, incident_id))


@require_POST
@staff_page
def update_new(request: HttpRequest, incident_id: int) -> HttpResponse:
    found = _incident(request, incident_id)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            services.update_post(actor=_user(request), incident_id=found.pk, body=form.cleaned_data["body"],
                                 state=form.cleaned_data["state"])  # fmt: skip
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Update published; subscribers are being told."))
            return redirect(reverse("statuspages_desk:incident", args=[found.pk]))
    return _incident_page(request, found, status=400, update_form=form)


@require_POST
@staff_page
def incident_confirm(request: HttpRequest, incident_id: int) -> HttpResponse:
    found = _incident(request, incident_id)
    try:
        services.incident_confirm(actor=_user(request), incident_id=found.pk)
    except ValidationError as error:
        messages.error(request, error.message)
        return _incident_page(request, found, status=400)
    messages.success(request, _("Major outage confirmed: the page shows it as one."))
    return redirect(reverse("statuspages_desk:incident", args=[found.pk]))
