"""Signing in: the address first — at the domain of an organisation with single sign-on, its provider takes
over (picocore.sso) — else the password, then for people with an authenticator app a separate step for its code (or a
recovery code); and step-up, the same proof asked for again before a sensitive action (for people who have
neither app nor password, created by single sign-on: a fresh sign-in at their organisation's provider).

Guarantees: nobody with a second factor is signed in on the password alone — after the password the session
holds only a pending sign-in (for `PENDING_FOR`), not the person; wrong codes count as failed sign-ins of that
e-mail address and client address (django-axes), so the code step locks out exactly as the password step does,
and the answer is the same lockout page; a code is refused the second time it is used.
"""

import datetime as dt
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from picocore.accounts.forms import EmailAuthenticationForm, PasswordConfirmForm, SecondFactorForm
from picocore.accounts.state import session_security
from picocore.accounts.stepup import proof_record
from picocore.accounts.throttle import lockout_response
from picocore.core.clock import now
from picocore.security.twofactor import has_second_factor, second_factor_verify
from picocore.sso.models import IdentityProvider
from picocore.sso.oidc import ProviderError
from picocore.sso.selectors import provider_for_email, step_up_provider
from picocore.sso.views import start_sign_in, start_step_up
from picocore.tenancy.models import User

PENDING_KEY = "picocore.pending_sign_in"
PENDING_FOR = dt.timedelta(minutes=5)


class SignInView(LoginView):
    """The password step. A person with an authenticator app is not signed in yet: the session remembers who
    passed the password (for five minutes) and the code step follows."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """An address at the domain of an organisation with single sign-on goes to that organisation's
        provider, whether or not a password was typed; nothing is checked against a password for it."""
        provider = provider_for_email(email=request.POST.get("username", ""))
        if provider is None:
            return super().post(request, *args, **kwargs)
        try:
            return start_sign_in(request, provider=provider, next_url=self.get_redirect_url())
        except ProviderError as error:
            form = self.get_form()
            form.is_valid()
            form.add_error(None, str(error))
            return self.form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if has_second_factor(user):
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": now().isoformat(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:sign_in_code")
        response = super().form_valid(form)
        proof_record(self.request, "password")
        return response


def pending_sign_in(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The person whose password was right and who is still to give their second factor, with what the session
    keeps of that sign-in; None when no such sign-in is under way, or it began too long ago (`PENDING_FOR`)."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        at = dt.datetime.fromisoformat(str(pending["at"]))
    except (KeyError, ValueError):
        return None
    if not now() - PENDING_FOR <= at <= now():
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return (user, pending) if user is not None else None


def safe_next(request: HttpRequest, target: object) -> str:
    """`target` when it is a page of this site (same host, and https when this request is), else the home page."""
    target = str(target or "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def count_failed_sign_in(request: HttpRequest, user: User) -> None:
    """Count a wrong code as a failed sign-in of the person's address (django-axes), which locks out after
    AXES_FAILURE_LIMIT failures; the lockout page is then answered by axes' middleware."""
    user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the app, or a recovery code."""
    found = pending_sign_in(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Sign in with your e-mail address and password first."))
        return redirect("accounts:login")
    user, pending = found
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST":
        if not AxesProxyHandler.is_allowed(request, {"username": user.email}):
            return lockout_response(request)
        if form.is_valid() and second_factor_verify(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING_KEY]
            login(request, user, backend=pending["backend"])
            proof_record(request, "second_factor")
            return redirect(safe_next(request, pending.get("next")))
        count_failed_sign_in(request, user)
        if form.is_valid():
            form.add_error("code", _("That code is not right, or was used before. Type the code the app shows now."))
    status = 400 if form.errors else 200
    return render(request, "registration/sign_in_code.html", {"form": form}, status=status)


def _step_up_through_provider(request: HttpRequest, user: User, provider: IdentityProvider,
                              next_url: str) -> HttpResponse:  # fmt: skip
    """The step-up page of a person without app or password: a button that sends them to sign in again at their
    organisation's provider (`picocore.sso.views.start_step_up`), whose answer records the proof."""
    error = ""
    if request.method == "POST":
        try:
            return start_step_up(request, provider=provider, user=user, next_url=next_url)
        except ProviderError as unreachable:
            error = str(unreachable)
    context = {"provider": provider, "next": next_url, "error": error}
    return render(request, "accounts/step_up.html", context, status=503 if error else 200)


@never_cache
@sensitive_post_parameters("code", "password")
@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest) -> HttpResponse:
    """Confirm it is you: the app's code (or a recovery code) for people with one, the password for the
    others, and for people with neither (created by single sign-on) a fresh sign-in at their organisation's
    provider; then back to the page that asked."""
    user = request.user
    if not isinstance(user, User):
        return redirect("accounts:login")
    with_code = session_security(request, user).device
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    provider = None if with_code else step_up_provider(user=user)
    if provider is not None:
        return _step_up_through_provider(request, user, provider, next_url)
    form_class = SecondFactorForm if with_code else PasswordConfirmForm
    form = form_class(request.POST or None)
    if request.method == "POST":
        if not AxesProxyHandler.is_allowed(request, {"username": user.email}):
            return lockout_response(request)
        if form.is_valid():
            if with_code and second_factor_verify(user=user, code=form.cleaned_data["code"]):
                proof_record(request, "second_factor")
                return redirect(next_url)
            if not with_code and user.check_password(form.cleaned_data["password"]):
                proof_record(request, "password")
                return redirect(next_url)
            form.add_error(
                "code" if with_code else "password",
                _("That code is not right, or was used before.") if with_code else _("That is not your password."),
            )
        count_failed_sign_in(request, user)
    context = {"form": form, "with_code": with_code, "next": next_url}
    return render(request, "accounts/step_up.html", context, status=400 if form.errors else 200)
