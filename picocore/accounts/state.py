"""What a signed-in session knows of its person's sign-in security, kept in the session so that a page costs
no query for it: whether they have a second factor and from when staff must have one.

It is read at sign-in and again, together with touching the session's record (last activity), when it is more
than a minute old; changes made in the session itself (an app confirmed or removed) are written at once. So a
change made elsewhere (the administrator moving the deadline, the app removed in another browser) reaches every
session within a minute.
"""

import datetime as dt
import time
from dataclasses import dataclass

from django.http import HttpRequest

from picocore.accounts.throttle import client_address
from picocore.core.clock import now
from picocore.security.sessions import TOUCH_INTERVAL, session_record
from picocore.security.twofactor import has_second_factor, second_factor_deadline
from picocore.tenancy.models import User

STATE_KEY = "picocore.security"


@dataclass(frozen=True)
class SessionSecurity:
    """`device`: the person has a confirmed authenticator app; `deadline`: staff need one from then."""

    device: bool
    deadline: dt.datetime

    def blocked(self, user: User) -> bool:
        """Staff without a second factor after the grace period: they may only set one up or sign out."""
        return user.is_service_staff and not self.device and now() >= self.deadline

    def reminded(self, user: User) -> bool:
        """Staff without a second factor during the grace period: every page reminds them."""
        return user.is_service_staff and not self.device and now() < self.deadline


def _store(request: HttpRequest, state: SessionSecurity) -> None:
    # The wall clock, not now(): this only spaces out the reads and must not follow a clock a test moves.
    request.session[STATE_KEY] = {
        "device": state.device,
        "deadline": state.deadline.isoformat(),
        "checked": time.time(),
    }


def state_refresh(request: HttpRequest, user: User) -> SessionSecurity:
    """Read the person's state afresh, store it in the session and touch the session's record."""
    state = SessionSecurity(device=has_second_factor(user), deadline=second_factor_deadline())
    _store(request, state)
    if request.session.session_key:
        session_record(
            user=user,
            session_key=request.session.session_key,
            user_agent=request.headers.get("user-agent", ""),
            ip_address=client_address(request) or None,
        )
    return state


def state_device_changed(request: HttpRequest, user: User) -> None:
    """The person's second factor changed in this session: store the new state now."""
    _store(request, SessionSecurity(device=has_second_factor(user), deadline=second_factor_deadline()))


def session_security(request: HttpRequest, user: User) -> SessionSecurity:
    """The session's state, refreshed when older than `TOUCH_INTERVAL` (no query otherwise)."""
    kept = request.session.get(STATE_KEY)
    if isinstance(kept, dict):
        try:
            checked = float(kept["checked"])
            state = SessionSecurity(device=bool(kept["device"]), deadline=dt.datetime.fromisoformat(kept["deadline"]))
        except (KeyError, TypeError, ValueError):
            pass
        else:
            if 0 <= time.time() - checked < TOUCH_INTERVAL.total_seconds():
                return state
    return state_refresh(request, user)
