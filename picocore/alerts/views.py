"""The service team's alert pages, `/desk/alerts/`: the integrations by organisation (with their firing alerts and
those waiting in triage), one integration's settings, intake URL and expected format, its mapping rules editor,
the alerts and payloads it received (a payload's body shown as received, escaped), and the triage queue where an
alert no rule mapped is mapped to an organisation (filing its incident) or dismissed.

Each view parses its input, calls one selector or service, and renders or redirects. What a person may see and do
is decided by `picocore.alerts.permissions` (through the selectors and services): anyone who may not work alerts,
and anything they may not manage, gets the same 404 as a missing page."""

import json

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.alerts import permissions, selectors, services
from picocore.alerts.choices import Disposition, OnResolve, SourceKind
from picocore.alerts.forms import IntegrationForm, MapForm, RuleForm
from picocore.alerts.models import AlertIntegration, MappingRule, RawAlertPayload
from picocore.core.errors import InvalidTransition, ValidationError
from picocore.core.forms import show_service_errors
from picocore.core.guards import page_for
from picocore.core.pagination import Page
from picocore.core.params import parse_id
from picocore.tenancy.http import AuthenticatedRequest

NAV = "alerts"
MAX_RULES = 200
RuleFormSet = django_forms.formset_factory(
    RuleForm, extra=1, max_num=MAX_RULES, validate_max=True, absolute_max=MAX_RULES
)
STALE_PAGE = gettext_lazy("That page of the list no longer exists: this is the first page.")


# Signed-in members of the service team who may work alerts; anyone else, and anything not theirs to manage,
# gets the same 404 as a missing page.
alerts_page = page_for(permissions.may_work_alerts)


def intake_url(integration: AlertIntegration) -> str:
    path = reverse("api:v1:alert-intake", args=[integration.slug])
    return settings.PICOCORE_BASE_URL.rstrip("/") + path


def _cursor(request: HttpRequest) -> str | None:
    return request.GET.get("after") or None


def _query_without_cursor(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()


# --- integrations ----------------------------------------------------------------------------------------------


@require_GET
@alerts_page
def integration_list(request: AuthenticatedRequest) -> HttpResponse:
    rows = list(selectors.integration_list(actor=request.user))
    context = {
        "nav": NAV, "rows": rows, "triage_total": sum(getattr(row, "triage_count", 0) for row in rows),
        "organisations": selectors.managed_organisations(actor=request.user),
        "may_add_own": permissions.can_manage(request.user, None),
    }  # fmt: skip
    return render(request, "alerts/integration_list.html", context)


def _integration_form(
    request: AuthenticatedRequest, *, integration: AlertIntegration | None, data: QueryDict | None
) -> IntegrationForm:
    actor = request.user
    if data is not None:
        organisation_id = parse_id(data.get("organisation", ""))
    elif integration is not None:
        organisation_id = integration.organisation_id
    else:
        organisation_id = parse_id(request.GET.get("organisation", ""))
    if integration is not None:
        initial = {
            "name": integration.name, "slug": integration.slug, "organisation": integration.organisation_id,
            "kind": integration.kind, "service_account": integration.service_account_id,
            "requester": integration.requester_id, "flap_changes": integration.flap_changes,
            "flap_minutes": integration.flap_minutes, "on_resolve": integration.on_resolve,
            "active": integration.active,
        }  # fmt: skip
    else:
        initial = {"organisation": organisation_id, "kind": SourceKind.ALERTMANAGER, "service_account": actor.pk,
                   "flap_changes": 4, "flap_minutes": 30, "on_resolve": OnResolve.RESOLVE, "active": True}  # fmt: skip
    return IntegrationForm(
        data,
        initial=initial,
        organisations=selectors.managed_organisations(actor=actor),
        accounts=selectors.service_account_choices(),
        contacts=selectors.contact_choices(actor=actor, organisation_id=organisation_id),
        all_organisations=permissions.can_manage(actor, None),
    )


def _integration_fields(form: IntegrationForm) -> services.IntegrationFields:
    data = form.cleaned_data
    return services.IntegrationFields(
        name=data["name"], slug=data["slug"], organisation_id=data["organisation"], kind=data["kind"],
        service_account_id=data["service_account"], requester_id=data["requester"],
        flap_changes=data["flap_changes"], flap_minutes=data["flap_minutes"], on_resolve=data["on_resolve"],
        active=data["active"],
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@alerts_page
def integration_new(request: AuthenticatedRequest) -> HttpResponse:
    form = _integration_form(request, integration=None, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            integration = services.integration_create(actor=request.user, fields=_integration_fields(form))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("The integration is saved. Its intake is ready for payloads."))
            return redirect(reverse("alerts:integration", args=[integration.pk]))
    status = 400 if request.method == "POST" else 200
    context = {"nav": NAV, "form": form, "integration": None}
    return render(request, "alerts/integration_form.html", context, status=status)


@require_GET
@alerts_page
def integration_detail(request: AuthenticatedRequest, integration_id: int) -> HttpResponse:
    integration = selectors.integration_summary(actor=request.user, integration_id=integration_id)
    context = {
        "nav": NAV, "integration": integration, "intake_url": intake_url(integration),
        "rules": list(selectors.rule_list(integration=integration)),
    }  # fmt: skip
    return render(request, "alerts/integration_detail.html", context)


@require_http_methods(["GET", "POST"])
@alerts_page
def integration_edit(request: AuthenticatedRequest, integration_id: int) -> HttpResponse:
    integration = selectors.integration_get(actor=request.user, integration_id=integration_id)
    form = _integration_form(request, integration=integration, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.integration_update(
                actor=request.user, integration_id=integration.pk, fields=_integration_fields(form)
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("The integration is saved."))
            return redirect(reverse("alerts:integration", args=[integration.pk]))
    status = 400 if request.method == "POST" else 200
    context = {"nav": NAV, "form": form, "integration": integration}
    return render(request, "alerts/integration_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@alerts_page
def integration_delete(request: AuthenticatedRequest, integration_id: int) -> HttpResponse:
    """GET asks for confirmation (what goes with it); POST deletes."""
    if request.method == "POST":
        integration = selectors.integration_get(actor=request.user, integration_id=integration_id)
        services.integration_delete(actor=request.user, integration_id=integration.pk)
        messages.success(request, _("%(name)s is deleted; the incidents it filed stay.") % {"name": integration.name})
        return redirect(reverse("alerts:integrations"))
    integration = selectors.integration_summary(actor=request.user, integration_id=integration_id)
    return render(request, "alerts/integration_delete.html", {"nav": NAV, "integration": integration})


# --- mapping rules ---------------------------------------------------------------------------------------------


def _rule_initial(rule: MappingRule) -> dict[str, object]:
    return {
        "rule_id": rule.pk, "position": rule.position, "match": services.match_text(rule.match),
        "organisation": rule.organisation_id, "environment": rule.environment_id,
        "component": rule.component_id, "impact": rule.impact, "urgency": rule.urgency,
    }  # fmt: skip


def _rule_formset(
    request: AuthenticatedRequest, integration: AlertIntegration, rules: list[MappingRule], data: QueryDict | None
) -> django_forms.BaseFormSet[RuleForm]:
    actor = request.user
    if integration.organisation_id is not None:
        organisations = None
        organisation_ids = [integration.organisation_id]
    else:
        managed = selectors.managed_organisations(actor=actor)
        organisations, organisation_ids = managed, [o.pk for o in managed]
    environments, components = selectors.landscape_choices(actor=actor, organisation_ids=organisation_ids)
    return RuleFormSet(
        data,
        initial=[_rule_initial(rule) for rule in rules],
        prefix="rules",
        form_kwargs={"organisations": organisations, "environments": environments, "components": components},
    )


def _rule_rows(
    formset: django_forms.BaseFormSet[RuleForm], known: set[int]
) -> tuple[list[services.RuleFields], list[RuleForm]]:
    """The rows the editor was sent, as the service takes them, with the form of each (to show its errors
    beside it); a problem only the form can see (a label line that is not label=value, a rule removed meanwhile)
    is put on its row and makes the list empty."""
    rules: list[services.RuleFields] = []
    rows: list[RuleForm] = []
    problem = False
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        rule_id = data.get("rule_id")
        if not data or (rule_id is None and (data.get("delete") or not form.has_changed())):
            continue  # the blank row offered to add a rule, left blank (or removed at once)
        if rule_id is not None and rule_id not in known:
            form.add_error(None, _("This rule was removed meanwhile: reload the page to see the rules as they are."))
            problem = True
            continue
        try:
            match = services.parse_match(data.get("match") or "")
        except ValidationError as error:
            show_service_errors(form, error)
            problem = True
            continue
        position = data.get("position")
        rules.append(
            services.RuleFields(
                match=match, rule_id=rule_id, position=(index + 1) * 10 if position is None else position,
                organisation_id=data.get("organisation"), environment_id=data.get("environment"),
                component_id=data.get("component"), impact=data["impact"], urgency=data["urgency"],
                delete=bool(data.get("delete")),
            )
        )  # fmt: skip
        rows.append(form)
    return ([] if problem else rules), ([] if problem else rows)


@require_http_methods(["GET", "POST"])
@alerts_page
def rules_edit(request: AuthenticatedRequest, integration_id: int) -> HttpResponse:
    """The rules, one row each with a blank row to add one, saved at once: all or nothing."""
    integration = selectors.integration_get(actor=request.user, integration_id=integration_id)
    rules = list(selectors.rule_list(integration=integration))
    formset = _rule_formset(request, integration, rules, request.POST if request.method == "POST" else None)
    if request.method == "POST" and formset.is_valid():
        fields, rows = _rule_rows(formset, {rule.pk for rule in rules})
        if not any(form.errors for form in formset.forms):
            try:
                services.rules_save(actor=request.user, integration_id=integration.pk, rules=fields)
            except ValidationError as error:
                _rule_errors(formset, rows, error)
            else:
                messages.success(request, _("The mapping rules are saved."))
                return redirect(reverse("alerts:rules", args=[integration.pk]))
    status = 400 if request.method == "POST" else 200
    context = {"nav": NAV, "integration": integration, "formset": formset,
               "has_errors": request.method == "POST"}  # fmt: skip
    return render(request, "alerts/rules.html", context, status=status)


def _rule_errors(formset: django_forms.BaseFormSet[RuleForm], rows: list[RuleForm], error: ValidationError) -> None:
    """The service's refusal beside the row it names (`rule-<n>`: the n-th rule it was given)."""
    placed = False
    for key, problems in error.field_errors.items():
        number = parse_id(key.removeprefix("rule-")) if key.startswith("rule-") else None
        if number is not None and number <= len(rows):
            for message in problems:
                rows[number - 1].add_error(None, message)
            placed = True
    if not placed:
        formset.forms[0].add_error(None, error.message or _("The rules could not be saved."))


# --- what an integration received ------------------------------------------------------------------------------


def _page_problems(page: Page) -> list[str]:
    return [str(STALE_PAGE)] if page.cursor_refused else []


@require_GET
@alerts_page
def alert_list(request: AuthenticatedRequest, integration_id: int) -> HttpResponse:
    integration = selectors.integration_get(actor=request.user, integration_id=integration_id)
    page = selectors.alert_page(actor=request.user, integration=integration, cursor=_cursor(request))
    problems = _page_problems(page)
    context = {"nav": NAV, "integration": integration, "page": page, "problems": problems,
               "query": _query_without_cursor(request)}  # fmt: skip
    return render(request, "alerts/alert_list.html", context, status=400 if problems else 200)


@require_GET
@alerts_page
def payload_list(request: AuthenticatedRequest, integration_id: int) -> HttpResponse:
    integration = selectors.integration_get(actor=request.user, integration_id=integration_id)
    page = selectors.payload_page(integration=integration, cursor=_cursor(request))
    problems = _page_problems(page)
    context = {"nav": NAV, "integration": integration, "page": page, "problems": problems,
               "query": _query_without_cursor(request)}  # fmt: skip
    return render(request, "alerts/payload_list.html", context, status=400 if problems else 200)


def payload_text(payload: RawAlertPayload) -> tuple[str, str]:
    """The body as received (bytes that are not UTF-8 shown as U+FFFD, NUL as ␀) and, when it is JSON,
    indented for reading ("" otherwise). The template escapes both."""
    text = bytes(payload.body).decode("utf-8", errors="replace").replace("\x00", "\u2400")
    try:
        indented = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        indented = ""
    return text, indented


@require_GET
@alerts_page
def payload_detail(request: AuthenticatedRequest, integration_id: int, payload_id: int) -> HttpResponse:
    integration = selectors.integration_get(actor=request.user, integration_id=integration_id)
    payload = selectors.payload_get(integration=integration, payload_id=payload_id)
    text, indented = payload_text(payload)
    context = {"nav": NAV, "integration": integration, "payload": payload, "text": text, "indented": indented}
    return render(request, "alerts/payload_detail.html", context)


# --- triage ----------------------------------------------------------------------------------------------------


@require_GET
@alerts_page
def triage(request: AuthenticatedRequest) -> HttpResponse:
    problems: list[str] = []
    text = request.GET.get("integration", "").strip()
    integration_id = parse_id(text) if text else None
    if text and integration_id is None:
        problems.append(_("Choose an integration from the list."))
    page = selectors.triage_page(actor=request.user, cursor=_cursor(request), integration_id=integration_id)
    problems += _page_problems(page)
    context = {"nav": NAV, "page": page, "problems": problems, "query": _query_without_cursor(request),
               "integration_id": integration_id}  # fmt: skip
    return render(request, "alerts/triage.html", context, status=400 if problems else 200)


def _map_form(request: AuthenticatedRequest, organisation_id: int | None, data: QueryDict | None) -> MapForm:
    organisations = selectors.managed_organisations(actor=request.user)
    ids = [organisation_id] if organisation_id is not None else []
    _environments, components = selectors.landscape_choices(actor=request.user, organisation_ids=ids)
    return MapForm(data, initial={"organisation": organisation_id}, organisations=organisations,
                   components=components)  # fmt: skip


def _triage_alert_page(
    request: AuthenticatedRequest, alert_id: int, *, data: QueryDict | None = None, error: ValidationError | None = None
) -> HttpResponse:
    alert = selectors.triage_alert_get(actor=request.user, alert_id=alert_id)
    source = data if data is not None else request.GET
    chosen = parse_id(source.get("organisation", "")) or alert.integration.organisation_id
    form = _map_form(request, chosen, data)
    if data is not None:
        form.is_valid()
        if error is not None:
            show_service_errors(form, error)
    payload_body = ("", "")
    if alert.payload is not None:
        payload_body = payload_text(selectors.payload_get(integration=alert.integration, payload_id=alert.payload.pk))
    context = {"nav": NAV, "alert": alert, "form": form, "chosen": chosen, "text": payload_body[0],
               "indented": payload_body[1]}  # fmt: skip
    return render(request, "alerts/triage_alert.html", context, status=400 if data is not None else 200)


@require_GET
@alerts_page
def triage_alert(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    """One alert waiting in triage: its labels, annotations and payload, and the form mapping it (its components
    offered once the organisation is chosen)."""
    return _triage_alert_page(request, alert_id)


def _mapped(disposition: str) -> str:
    if disposition == Disposition.CREATED:
        return _("Mapped to %(org)s: incident %(key)s is filed.")
    if disposition == Disposition.SUPPRESSED:
        return _("Mapped to %(org)s: a change window in progress suppresses it, so no incident.")
    return _("Mapped to %(org)s: it has cleared already, so no incident.")


@require_POST
@alerts_page
def triage_map(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    alert = selectors.triage_alert_get(actor=request.user, alert_id=alert_id)
    form = _map_form(request, parse_id(request.POST.get("organisation", "")), request.POST)
    if not form.is_valid():
        return _triage_alert_page(request, alert.pk, data=request.POST)
    data = form.cleaned_data
    try:
        disposition = services.alert_map(
            actor=request.user, alert_id=alert.pk, organisation_id=data["organisation"],
            component_id=data["component"], impact=data["impact"], urgency=data["urgency"],
        )  # fmt: skip
    except ValidationError as error:
        return _triage_alert_page(request, alert.pk, data=request.POST, error=error)
    except InvalidTransition as error:
        messages.error(request, error.message)
        return redirect(reverse("alerts:triage"))
    mapped = selectors.alert_get(actor=request.user, alert_id=alert.pk)
    organisation = mapped.organisation.name if mapped.organisation is not None else ""
    key = mapped.incident.key if mapped.incident is not None else ""
    messages.success(request, _mapped(disposition) % {"org": organisation, "key": key})
    return redirect(reverse("alerts:triage"))


@require_POST
@alerts_page
def triage_dismiss(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    try:
        alert = services.alert_dismiss(actor=request.user, alert_id=alert_id)
    except InvalidTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Dismissed “%(alert)s”: no incident; its repeats are still counted on it.") % {"alert": alert}
        )
    return redirect(reverse("alerts:triage"))
