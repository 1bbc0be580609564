"""Sign-in throttling with django-axes: whose address a failed sign-in counts against, and unlocking."""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
