"""Sign-in and sign-out, whichever way they happen (the password form, the second-factor step, a test's
`force_login`): the session's record and its security state are written when a person signs in, and the
record removed when they sign out. Receivers rather than calls in each view, so no way of signing in is
missed. Each sign-in a person makes through the pages (a form posted: not a test's `force_login`) and each
refused password or code is audited."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from picocore.accounts.services import sign_in_record
from picocore.accounts.state import state_refresh
from picocore.core.tasks import enqueue_on_commit
from picocore.security.sessions import session_forget
from picocore.tenancy.models import User


@receiver(user_logged_in, dispatch_uid="picocore.accounts.signed_in")
def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and isinstance(user, User):
        state_refresh(request, user)
        if request.method == "POST":
            sign_in_record(user=user)


@receiver(user_login_failed, dispatch_uid="picocore.accounts.sign_in_failed")
def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Refusals while locked out (and the one that locks) are the throttle's to count: the trail would
    # otherwise grow with every guess an attacker keeps sending.
    if request is not None and getattr(request, "axes_locked_out", False):
        return
    from picocore.accounts.tasks import record_sign_in_failure

    email = credentials.get("username")
    if isinstance(email, str) and email:
        enqueue_on_commit(record_sign_in_failure, email[:254])


@receiver(user_logged_out, dispatch_uid="picocore.accounts.signed_out")
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and request.session.session_key:
        session_forget(session_key=request.session.session_key)
