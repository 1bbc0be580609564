"""A person's Security page: their second factor (set up, recovery codes, remove) and the sessions they are
signed in with (see where, end any other or all others)."""

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from picocore.accounts.forms import AppCodeForm
from picocore.accounts.state import session_security, state_device_changed
from picocore.accounts.stepup import proof_record, recent_proof, require_recent_second_factor, step_up_url
from picocore.core.errors import NotFound, ValidationError
from picocore.core.forms import show_service_errors
from picocore.security.passkeys import MAX_PASSKEYS, passkeys_of
from picocore.security.sessions import describe_user_agent, session_end, sessions_end_others, sessions_of
from picocore.security.twofactor import (
    otpauth_qr_data_uri,
    recovery_codes_left,
    recovery_codes_regenerate,
    second_factor_remove,
    totp_enrolment_confirm,
    totp_enrolment_start,
)
from picocore.tenancy.http import AuthenticatedRequest


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@require_GET
@login_required
def security(request: AuthenticatedRequest) -> HttpResponse:
    """The person's second factor and their sessions, the current one marked."""
    state = session_security(request, request.user)
    current = request.session.session_key
    sessions = [
        {"record": record, "browser": describe_user_agent(record.user_agent), "current": record.session_key == current}
        for record in sessions_of(actor=request.user)
    ]
    context = {
        "has_device": state.device,
        "codes_left": recovery_codes_left(request.user) if state.device else 0,
        "deadline": state.deadline if request.user.is_service_staff else None,
        "sessions": sessions,
        "others": sum(1 for session in sessions if not session["current"]),
        "passkeys": list(passkeys_of(request.user)) if state.device else [],
        "proved_recently": recent_proof(request),
        "max_passkeys": MAX_PASSKEYS,
    }
    return render(request, "accounts/security.html", context)


@never_cache
@require_GET
@login_required
def two_factor(request: AuthenticatedRequest) -> HttpResponse:
    """Setting up the authenticator app: a button to begin; once begun, the secret, its otpauth:// address and
    a QR code of it, and the field for the code that confirms it."""
    state = session_security(request, request.user)
    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    return _enrolment_page(request, pending=pending, has_device=state.device, form=AppCodeForm())


def _enrolment_page(
    request: AuthenticatedRequest, *, pending: TOTPDevice | None, has_device: bool, form: AppCodeForm, status: int = 200
) -> HttpResponse:
    context: dict[str, object] = {"pending": pending, "has_device": has_device, "form": form}
    if pending is not None:
        uri = pending.config_url
        context.update(
            secret=_grouped(b32encode(pending.bin_key).decode("ascii")), uri=uri, qr=otpauth_qr_data_uri(uri)
        )
    return render(request, "accounts/two_factor.html", context, status=status)


@require_POST
@login_required
def two_factor_start(request: AuthenticatedRequest) -> HttpResponse:
    """Begin setting up an app. Replacing an app one already has asks for a fresh code first."""
    if session_security(request, request.user).device and not recent_proof(request):
        return redirect(step_up_url(reverse("accounts:two_factor")))
    totp_enrolment_start(actor=request.user)
    return redirect("accounts:two_factor")


@never_cache
@sensitive_post_parameters("code")
@require_POST
@login_required
def two_factor_confirm(request: AuthenticatedRequest) -> HttpResponse:
    """Confirm the app with its current code; the answer shows the new recovery codes, this once."""
    form = AppCodeForm(request.POST)
    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    has_device = session_security(request, request.user).device
    if form.is_valid():
        try:
            codes = totp_enrolment_confirm(actor=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            state_device_changed(request, request.user)
            proof_record(request, "second_factor")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "new_app": True})
    return _enrolment_page(request, pending=pending, has_device=has_device, form=form, status=400)


@never_cache
@require_POST
@login_required
@require_recent_second_factor
def recovery_codes_new(request: AuthenticatedRequest) -> HttpResponse:
    """Ten new recovery codes, shown this once; the earlier ones stop working."""
    if not session_security(request, request.user).device:
        messages.error(request, _("Set up an authenticator app first: recovery codes come with it."))
        return redirect("accounts:two_factor")
    codes = recovery_codes_regenerate(actor=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "new_app": False})


@require_POST
@login_required
@require_recent_second_factor
def two_factor_remove(request: AuthenticatedRequest) -> HttpResponse:
    second_factor_remove(actor=request.user)
    state_device_changed(request, request.user)
    messages.success(request, _("Your authenticator app, recovery codes and passkeys are removed."))
    return redirect("accounts:security")


@require_POST
@login_required
def session_end_view(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    try:
        session_end(actor=request.user, session_id=session_id, current_key=request.session.session_key)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("That session is ended: the browser holding it is signed out."))
    return redirect("accounts:security")


@require_POST
@login_required
def sessions_end_others_view(request: AuthenticatedRequest) -> HttpResponse:
    ended = sessions_end_others(actor=request.user, current_key=request.session.session_key)
    messages.success(request, _("Every other session is ended (%(count)d).") % {"count": ended})
    return redirect("accounts:security")
