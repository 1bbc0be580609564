"""Passkeys in the browser: adding one on the Security page, and using one instead of the app's code at
sign-in and at step-up (`picocore.security.passkeys` checks the answers).

Each ceremony is two requests: the options (JSON, fetched by `accounts/passkeys.js`), whose challenge the
session keeps for `CHALLENGE_FOR` and for that purpose and person only, then the form with the authenticator's
answer, which uses the challenge up whatever the outcome. A refused sign-in answer counts as a failed sign-in
(django-axes), exactly as a wrong code does.
"""

import base64
import datetime as dt
from typing import Literal

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from picocore.accounts.signin import PENDING_KEY, count_failed_sign_in, pending_sign_in, safe_next
from picocore.accounts.state import session_security
from picocore.accounts.stepup import proof_record, recent_proof, require_recent_second_factor, step_up_url
from picocore.accounts.throttle import lockout_response
from picocore.core.clock import now
from picocore.core.errors import NotFound, ValidationError
from picocore.security.passkeys import (
    Ceremony,
    RelyingParty,
    passkey_register,
    passkey_registration_options,
    passkey_remove,
    passkey_sign_in_options,
    passkey_verify,
)
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import User

CHALLENGE_KEY = "picocore.passkey_challenge"
CHALLENGE_FOR = dt.timedelta(minutes=5)
Purpose = Literal["register", "sign_in", "step_up"]


def relying_party_of(request: HttpRequest) -> RelyingParty:
    """The host the browser sees (already checked against ALLOWED_HOSTS) and its origin."""
    host = request.get_host()
    domain, _port = split_domain_port(host)
    return RelyingParty(id=domain, origin=f"{request.scheme}://{host}")


def _challenge_keep(request: HttpRequest, purpose: Purpose, user: User, ceremony: Ceremony) -> HttpResponse:
    request.session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "user": user.pk,
        "challenge": base64.b64encode(ceremony.challenge).decode("ascii"),
        "at": now().isoformat(),
    }
    return HttpResponse(ceremony.options_json, content_type="application/json")


def _challenge_take(request: HttpRequest, purpose: Purpose, user: User) -> bytes | None:
    """The session's challenge for this purpose and person, removed from the session (used once); None when
    there is none, it was made for something else, or it is older than `CHALLENGE_FOR`."""
    kept = request.session.pop(CHALLENGE_KEY, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose or kept.get("user") != user.pk:
        return None
    try:
        at = dt.datetime.fromisoformat(str(kept["at"]))
        challenge = base64.b64decode(str(kept["challenge"]), validate=True)
    except (KeyError, ValueError):
        return None
    return challenge if now() - CHALLENGE_FOR <= at <= now() else None


def _refusal(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


# Adding a passkey -------------------------------------------------------------------------------------------


@never_cache
@require_POST
@login_required
def registration_options(request: AuthenticatedRequest) -> HttpResponse:
    if not recent_proof(request):
        return _refusal(_("Confirm it is you first: reload the page."), status=403)
    try:
        ceremony = passkey_registration_options(actor=request.user, rp=relying_party_of(request))
    except ValidationError as error:
        return _refusal(error.message)
    return _challenge_keep(request, "register", request.user, ceremony)


@never_cache
@require_POST
@login_required
@require_recent_second_factor
def passkey_add(request: AuthenticatedRequest) -> HttpResponse:
    challenge = _challenge_take(request, "register", request.user)
    try:
        passkey = passkey_register(
            actor=request.user,
            rp=relying_party_of(request),
            name=request.POST.get("name", ""),
            response_json=request.POST.get("credential", ""),
            challenge=challenge,
        )
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The passkey “%(name)s” is added.") % {"name": passkey.name})
    return redirect("accounts:security")


@require_POST
@login_required
@require_recent_second_factor
def passkey_remove_view(request: AuthenticatedRequest, passkey_id: int) -> HttpResponse:
    try:
        passkey = passkey_remove(actor=request.user, passkey_id=passkey_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("The passkey “%(name)s” is removed.") % {"name": passkey.name})
    return redirect("accounts:security")


# Signing in with a passkey -------------------------------------------------------------------------------------


@never_cache
@require_POST
def sign_in_options(request: HttpRequest) -> HttpResponse:
    found = pending_sign_in(request)
    if found is None:
        return _refusal(_("Sign in with your e-mail address and password first."))
    user, _pending_sign_in = found
    return _challenge_keep(request, "sign_in", user, passkey_sign_in_options(user=user, rp=relying_party_of(request)))


@never_cache
@require_POST
def sign_in_with_passkey(request: HttpRequest) -> HttpResponse:
    found = pending_sign_in(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Sign in with your e-mail address and password first."))
        return redirect("accounts:login")
    user, pending = found
    if not AxesProxyHandler.is_allowed(request, {"username": user.email}):
        return lockout_response(request)
    challenge = _challenge_take(request, "sign_in", user)
    rp = relying_party_of(request)
    if passkey_verify(user=user, rp=rp, response_json=request.POST.get("credential", ""), challenge=challenge):
        del request.session[PENDING_KEY]
        login(request, user, backend=pending["backend"])
        proof_record(request, "second_factor")
        return redirect(safe_next(request, pending.get("next")))
    count_failed_sign_in(request, user)
    messages.error(request, _("That passkey could not be checked. Try again, or type the code from your app."))
    return redirect("accounts:sign_in_code")


# Confirming it is you with a passkey ---------------------------------------------------------------------------


@never_cache
@require_POST
@login_required
def step_up_options(request: AuthenticatedRequest) -> HttpResponse:
    if not session_security(request, request.user).device:
        return _refusal(_("Passkeys come beside an authenticator app; confirm with your password."))
    ceremony = passkey_sign_in_options(user=request.user, rp=relying_party_of(request))
    return _challenge_keep(request, "step_up", request.user, ceremony)


@never_cache
@require_POST
@login_required
def step_up_with_passkey(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    next_url = safe_next(request, request.POST.get("next"))
    if not AxesProxyHandler.is_allowed(request, {"username": user.email}):
        return lockout_response(request)
    challenge = _challenge_take(request, "step_up", user)
    rp = relying_party_of(request)
    if passkey_verify(user=user, rp=rp, response_json=request.POST.get("credential", ""), challenge=challenge):
        proof_record(request, "second_factor")
        return redirect(next_url)
    count_failed_sign_in(request, user)
    messages.error(request, _("That passkey could not be checked. Try again, or type the code from your app."))
    return redirect(step_up_url(next_url))
