"""Sign-in and sign-out, whichever way they happen (the password form, the second-factor step, a test's
`force_login`): the session's record and its security state are written when a person signs in, and the
record removed when they sign out. Receivers rather than calls in each view, so no way of signing in is
missed."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from picocore.accounts.state import state_refresh
from picocore.security.sessions import session_forget
from picocore.tenancy.models import User


@receiver(user_logged_in, dispatch_uid="picocore.accounts.signed_in")
def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and isinstance(user, User):
        state_refresh(request, user)


@receiver(user_logged_out, dispatch_uid="picocore.accounts.signed_out")
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and request.session.session_key:
        session_forget(session_key=request.session.session_key)
