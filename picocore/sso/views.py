"""Single sign-on pages: the start of a sign-in (called by the sign-in page) and of a step-up (called by the
step-up page, for people without a password), the provider's return to `/accounts/sso/callback/`, and the
service managers' configuration pages under `/desk/sso/`. Anyone who may not configure an organisation's sign-in
gets 404 on those, as does an organisation they do not serve."""

import hmac
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from picocore.core.errors import ValidationError
from picocore.core.guards import page_for
from picocore.security.proof import proof_record
from picocore.sso import oidc, permissions, selectors, services
from picocore.sso.forms import GroupRoleFormSet, ProviderForm
from picocore.sso.models import IdentityProvider
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import User

PENDING = "sso_pending"
# How long a person may spend at their provider before the answer is no longer accepted.
PENDING_SECONDS = 600
NAV = "sso"


def redirect_uri() -> str:
    """The address providers send people back to: register exactly this one at the provider."""
    return settings.PICOCORE_BASE_URL.rstrip("/") + reverse("sso:callback")


def _start(request: HttpRequest, provider: IdentityProvider, next_url: str, step_up: User | None) -> HttpResponse:
    metadata = oidc.discover(provider.issuer)
    auth = oidc.authorization_request(metadata=metadata, client_id=provider.client_id, redirect_uri=redirect_uri(),
                                      reauthenticate=step_up is not None)  # fmt: skip
    request.session[PENDING] = {
        "provider": provider.pk, "state": auth.state, "nonce": auth.nonce, "verifier": auth.code_verifier,
        "next": next_url, "started": int(time.time()), "step_up": step_up.pk if step_up is not None else None,
    }  # fmt: skip
    return redirect(auth.url)


def start_sign_in(request: HttpRequest, *, provider: IdentityProvider, next_url: str) -> HttpResponse:
    """Send the browser to the provider's authorization endpoint, keeping state, nonce and PKCE verifier in
    the session for the answer. oidc.ProviderError when the provider cannot be reached."""
    return _start(request, provider, next_url, None)


def start_step_up(request: HttpRequest, *, provider: IdentityProvider, user: User, next_url: str) -> HttpResponse:
    """As `start_sign_in`, for the signed-in `user` to confirm it is them: the provider is asked to have them
    sign in again (`prompt=login`, `max_age=0`), and the answer is taken as a step-up of this user only."""
    return _start(request, provider, next_url, user)


def _refused(request: HttpRequest, message: str, *, step_up_next: str | None = None) -> HttpResponse:
    """The refusal page; for a step-up, its way back is the step-up page (then to `step_up_next`)."""
    context: dict[str, Any] = {"message": message, "step_up": step_up_next is not None}
    if step_up_next is not None:
        context["back"] = f"{reverse('accounts:step_up')}?{urlencode({'next': step_up_next})}"
    response = render(request, "sso/refused.html", context, status=403)
    response["Cache-Control"] = "no-store"
    return response


def _safe_next(request: HttpRequest, pending: dict[str, Any]) -> str:
    target = str(pending.get("next") or "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):  # fmt: skip
        target = resolve_url(settings.LOGIN_REDIRECT_URL)
    return target


def _verified_claims(request: HttpRequest, provider: IdentityProvider, pending: dict[str, Any]) -> dict[str, Any]:
    """The claims of the ID token the answer's code is exchanged for, once verified; oidc.ProviderError."""
    metadata = oidc.discover(provider.issuer)
    id_token = oidc.exchange_code(
        metadata=metadata, client_id=provider.client_id, client_secret=services.client_secret(provider),
        code=request.GET["code"], redirect_uri=redirect_uri(), code_verifier=pending["verifier"],
    )  # fmt: skip
    return oidc.verify_id_token(metadata=metadata, id_token=id_token, client_id=provider.client_id,
                                nonce=pending["nonce"])  # fmt: skip


def _step_up_answer(request: HttpRequest, pending: dict[str, Any]) -> HttpResponse:
    """The provider's answer to a step-up: a fresh proof ("provider") for the person who started it, if the ID
    token is theirs and fresh (`services.sso_step_up_confirm`); else refused with nothing recorded. Nobody is
    signed in or out, and no role changes."""
    target = _safe_next(request, pending)
    user = request.user
    if not isinstance(user, User) or user.pk != pending["step_up"]:
        return _refused(request, _("This confirmation was started by someone else. Sign in and start again."))
    if request.GET.get("error") or not request.GET.get("code"):
        return _refused(request, _("Your organisation's sign-in service did not confirm it is you."),
                        step_up_next=target)  # fmt: skip
    provider = IdentityProvider.objects.filter(pk=pending["provider"], enabled=True).first()
    if provider is None:
        return _refused(request, _("Single sign-on is no longer enabled for your organisation."), step_up_next=target)
    try:
        claims = _verified_claims(request, provider, pending)
        services.sso_step_up_confirm(provider_id=provider.pk, actor=user, claims=claims)
    except oidc.ProviderError as error:
        return _refused(request, str(error), step_up_next=target)
    except services.SignInRefused as error:
        return _refused(request, error.message, step_up_next=target)
    proof_record(request, "provider")
    return redirect(target)


def _pending_for(request: HttpRequest) -> dict[str, Any] | None:
    """The sign-in this answer belongs to, taken out of the session (an answer is accepted once): None when
    there is none, it is too old, or the state sent back is not the one this session sent."""
    pending = request.session.pop(PENDING, None)
    if not isinstance(pending, dict):
        return None
    state = request.GET.get("state", "")
    if not hmac.compare_digest(state.encode(), str(pending.get("state", "")).encode()):
        return None
    if time.time() - int(pending.get("started", 0)) > PENDING_SECONDS:
        return None
    return pending


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: check the state, exchange the code, verify the ID token, then sign the person
    in as the service decides (or refuse, saying why). The answer to a step-up goes to `_step_up_answer`."""
    pending = _pending_for(request)
    if pending is None:
        return _refused(request, _("This sign-in was not started here, or took too long. Start again from the "
                                   "sign-in page."))  # fmt: skip
    if pending.get("step_up") is not None:
        return _step_up_answer(request, pending)
    if request.GET.get("error") or not request.GET.get("code"):
        return _refused(request, _("Your organisation's sign-in service did not sign you in. Start again from "
                                   "the sign-in page."))  # fmt: skip
    provider = IdentityProvider.objects.filter(pk=pending["provider"], enabled=True).first()
    if provider is None:
        return _refused(request, _("Single sign-on is no longer enabled for your organisation."))
    try:
        claims = _verified_claims(request, provider, pending)
        user = services.sso_sign_in_complete(provider_id=provider.pk, claims=claims)
    except oidc.ProviderError as error:
        return _refused(request, str(error))
    except services.SignInRefused as error:
        return _refused(request, error.message)
    login(request, user, backend="picocore.tenancy.backends.ReachBackend")
    return redirect(_safe_next(request, pending))


# Service managers and administrators only; everyone else, and any organisation they do not serve: 404.
manager_page = page_for(permissions.may_manage_sso)


@require_GET
@manager_page
def organisation_list(request: AuthenticatedRequest) -> HttpResponse:
    organisations = selectors.sso_organisation_list(actor=request.user)
    return render(request, "sso/list.html", {"nav": NAV, "organisations": organisations})


def _initial(provider: IdentityProvider | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if provider is None:
        return {"groups_claim": "groups"}, []
    fields = {"issuer": provider.issuer, "client_id": provider.client_id, "groups_claim": provider.groups_claim,
              "enabled": provider.enabled, "domains": "\n".join(d.domain for d in provider.domains.all())}  # fmt: skip
    return fields, [{"group": row.group, "role": row.role} for row in provider.group_roles.all()]


def _mappings(formset: Any) -> list[tuple[str, str]]:
    return [(f.cleaned_data.get("group", ""), f.cleaned_data.get("role", "")) for f in formset.forms if f.cleaned_data]


@require_http_methods(["GET", "POST"])
@manager_page
def organisation_edit(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    organisation, provider = selectors.sso_configuration_get(actor=request.user, organisation_id=organisation_id)
    initial, rows = _initial(provider)
    form = ProviderForm(request.POST or None, initial=initial)
    # What is posted is the whole mapping: rows equal to the stored ones must not read as unchanged extras.
    formset = (
        GroupRoleFormSet(request.POST, prefix="mapping")
        if request.method == "POST"
        else GroupRoleFormSet(initial=rows, prefix="mapping")
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = services.ProviderFields(
            issuer=form.cleaned_data["issuer"], client_id=form.cleaned_data["client_id"],
            client_secret=form.cleaned_data["client_secret"], groups_claim=form.cleaned_data["groups_claim"],
            enabled=form.cleaned_data["enabled"], domains=form.domain_list(), mappings=_mappings(formset),
        )  # fmt: skip
        try:
            services.identity_provider_save(actor=request.user, organisation_id=organisation.pk, fields=fields)
        except ValidationError as error:
            for name, errors in error.field_errors.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request, _("Single sign-on for %(organisation)s is saved.") % {"organisation": organisation}
            )
            return redirect(reverse("sso:organisation", args=[organisation.pk]))
    status = 400 if request.method == "POST" else 200
    discovery = oidc.discovery_url(provider.issuer) if provider else ""
    context = {"nav": NAV, "organisation": organisation, "provider": provider, "form": form, "formset": formset,
               "redirect_uri": redirect_uri(), "discovery_url": discovery}  # fmt: skip
    return render(request, "sso/form.html", context, status=status)
