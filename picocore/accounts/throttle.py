"""Sign-in throttling with django-axes: whose address a failed sign-in counts against, and unlocking."""

import functools
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind our reverse proxy the last X-Forwarded-For entry (the
    one the proxy appended; earlier entries are whatever the client sent and cannot be trusted). Without
    this, every sign-in behind a proxy would count against the proxy's address and lock everyone out."""
    if settings.PICOCORE_BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def sign_in_unlock(*, email: str | None = None, address: str | None = None) -> int:
    """Forget the failed sign-ins of an e-mail address and/or a client address (all of them when neither is
    given), so they may sign in again at once; returns how many records were removed."""
    from axes.utils import reset

    if email is None and address is None:
        return reset()
    return reset(username=email.strip().lower() if email else None, ip=address or None)


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page for a refused sign-in while locked out: 429 with Retry-After, and the same words whether or
    not an account has the address (nothing here tells which exist)."""
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


# Password-reset requests one client address may make per hour; more are answered as usual but send nothing.
RESET_REQUESTS_PER_HOUR = 10


def reset_throttled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Throttle password-reset requests per client address, as sign-in is: past the limit the page answers
    as it always does ("if the address has an account, we sent a link") and sends nothing, so the answer tells
    neither which addresses exist nor that the throttle was reached."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            key = f"password-reset:{client_address(request)}"
            cache.add(key, 0, timeout=3600)
            try:
                count = cache.incr(key)
            except ValueError:  # expired in between
                cache.set(key, 1, timeout=3600)
                count = 1
            if count > RESET_REQUESTS_PER_HOUR:
                return redirect("accounts:password_reset_done")
        return view(request, *args, **kwargs)

    return wrapped
