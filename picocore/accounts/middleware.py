"""Staff sign-in security on every request of a signed-in person: the reminder during the grace period and,
after it, the wall in front of everything but setting up a second factor."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from picocore.accounts.state import session_security
from picocore.accounts.stepup import recent_proof, step_up_url
from picocore.core.db import DATABASE_UNREACHABLE
from picocore.core.views import database_unavailable
from picocore.tenancy.models import User

SECOND_FACTOR_REQUIRED = "second_factor_required"


def blocked_message() -> str:
    return _(
        "Members of staff must sign in with a second factor. Set up an authenticator app under Security "
        "(/accounts/security/two-factor/) to go on."
    )


def step_up_prefixes() -> tuple[str, ...]:
    """Pages that ask for a fresh proof (`picocore.accounts.stepup`) before they open: the administrator's
    contract pages in the admin (a contract sets what a customer is promised and billed). Full paths, as
    `reverse` gives them (with the script prefix of an installation served under one): compare them with
    `request.path`, never with `request.path_info`, which lacks that prefix."""
    return (reverse("admin:app_list", kwargs={"app_label": "contracts"}),)


class SecondFactorMiddleware:
    """After authentication. For a member of staff without a second factor: during the grace period the
    request carries `second_factor_reminder` (the deadline; base.html shows the banner); after it, every
    page but the set-up pages, sign-out, the language choice and static files redirects to the set-up page,
    and the API answers 403 in its error envelope. Customers are never held up. The pages of
    `step_up_prefixes` are opened only after a recent proof. Costs no query on most requests (see
    `picocore.accounts.state`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            user = request.user
            _ = user.is_authenticated  # reads the session: the database may be away
        except DATABASE_UNREACHABLE:
            return database_unavailable(request)
        if isinstance(user, User) and user.is_authenticated:
            state = session_security(request, user)
            # `request.path` (with the script prefix) against `reverse()`, which adds that prefix too;
            # `path_info` (without it) against the API's fixed prefix.
            if state.blocked(user) and not self._open(request.path):
                if request.path_info.startswith("/api/"):
                    return JsonResponse(
                        {"error": {"code": SECOND_FACTOR_REQUIRED, "message": blocked_message(), "fields": {}}},
                        status=403,
                    )
                return redirect("accounts:two_factor")
            if request.path.startswith(step_up_prefixes()) and not recent_proof(request):
                return redirect(step_up_url(request.get_full_path()))
            if state.reminded(user):
                request.second_factor_reminder = state.deadline  # type: ignore[attr-defined]
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        """Whether the full path (with the script prefix) is one a blocked member of staff may still open."""
        open_paths = (
            reverse("accounts:two_factor"),
            reverse("accounts:logout"),
            reverse("accounts:language"),
            settings.STATIC_URL or "/static/",
        )
        return path.startswith(open_paths)
