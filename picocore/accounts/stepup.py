"""What this browser session has proved about its person, and step-up: asking for a fresh proof before a
sensitive action.

A session records when its person last proved themselves and how (`picocore.security.proof`): with a second
factor (their authenticator app, a recovery code or a passkey) or, for people without one, their password, or, for
people who have neither (created by single sign-on), a fresh sign-in at their organisation's identity provider.
Signing in, confirming an app, the step-up page and single sign-on's step-up answer record it.

`require_recent_second_factor` guards a view: people with an authenticator app must have used it in this
session within the last `STEP_UP_WINDOW` (10 minutes), people without one (customers, staff in the grace period)
must have typed their password (or signed in afresh at their provider) within it; otherwise the view is not run
and the browser goes to the step-up page, which sends it back afterwards: to the refused page itself after a GET,
to the page a refused form was sent from after a POST (`return_path`; the form's own address may answer POST
only). Use it on every view that exports personal data, erases it, creates credentials or changes contracts. By
default it guards the unsafe methods only (a page may show its form, and tell that it will ask; see
`recent_proof`); `methods=None` guards every method.
"""

import datetime as dt
import functools
from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from picocore.accounts.state import session_security
from picocore.core.clock import now
from picocore.security.proof import PROOF_KEY, Factor, proof_record
from picocore.tenancy.models import User

__all__ = ["PROOF_KEY", "STEP_UP_WINDOW", "Factor", "proof_record", "recent_proof", "require_recent_second_factor",
           "return_path", "step_up_redirect", "step_up_url"]  # fmt: skip

STEP_UP_WINDOW = dt.timedelta(minutes=10)


def recent_proof(request: HttpRequest, *, within: dt.timedelta = STEP_UP_WINDOW) -> bool:
    """Whether the session's person proved themselves recently enough, with their second factor if they have
    one (neither a password nor a sign-in at their provider stands in for it), else with any proof."""
    user = request.user
    if not isinstance(user, User):
        return False
    proof = request.session.get(PROOF_KEY)
    if not isinstance(proof, dict):
        return False
    try:
        at = dt.datetime.fromisoformat(str(proof.get("at")))
    except ValueError:
        return False
    if not now() - within <= at <= now():
        return False
    return proof.get("factor") == "second_factor" or not session_security(request, user).device


def step_up_url(next_path: str) -> str:
    return f"{reverse('accounts:step_up')}?{urlencode({'next': next_path})}"


def return_path(request: HttpRequest) -> str:
    """Where the step-up page sends the browser back to after a refusal: the refused page itself for a GET or
    HEAD; for a refused form submission, which is not replayed and whose address may answer POST only, the page
    of this site the form was sent from (its Referer, which browsers send for same-origin requests), else the
    refused address itself."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def step_up_redirect(request: HttpRequest, back: str) -> HttpResponseRedirect:
    """To the step-up page, which sends the browser on to `back` (a path of this site) after the proof; a refused
    form submission is told that nothing was changed and that it is to be sent again. For views that can ask only
    after checks of their own (the object exists, the person may act on it); the others use the decorator."""
    if request.method not in ("GET", "HEAD"):
        messages.info(request, _("Nothing was changed yet: confirm it is you, then send the form again."))
    return redirect(step_up_url(back))


def require_recent_second_factor[V: Callable[..., HttpResponseBase]](
    view: V | None = None, *, methods: Collection[str] | None = ("POST", "PUT", "PATCH", "DELETE")
) -> Any:
    """Decorator: run the view only after a recent proof (see the module's docstring); else send the browser
    to the step-up page, to come back to `return_path` (a refused POST is not replayed: the person is told to submit
    it again).
    Usable bare (`@require_recent_second_factor`) or with `methods=`."""

    def decorate(inner: V) -> V:
        @functools.wraps(inner)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            guarded = methods is None or request.method in methods
            if guarded and not recent_proof(request):
                return step_up_redirect(request, return_path(request))
            return inner(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate
