"""Rate limits per token (and per signed-in person for the browser), in fixed windows counted in the database so
every process serving the API shares one count.

Each answer carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the window ends)
and `RateLimit-Policy`; a request over the limit is 429 with `Retry-After`. Settings: PICOCORE_API_RATE_LIMIT
requests per PICOCORE_API_RATE_WINDOW seconds (default 600 per 60).

Guessing tokens is throttled per client address: after PICOCORE_API_BAD_TOKEN_LIMIT presented tokens that are
not valid within PICOCORE_API_BAD_TOKEN_WINDOW seconds (default 20 per 600), every Bearer request from that
address is 429 until the window ends, a valid token included, so a guess that happens to be right is not told
apart from a wrong one."""

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from picocore.api.models import ApiToken, RateWindow

DEFAULT_LIMIT = 600
DEFAULT_WINDOW = 60
DEFAULT_BAD_TOKEN_LIMIT = 20
DEFAULT_BAD_TOKEN_WINDOW = 600


@dataclass(frozen=True)
class RateState:
    """What the headers of one answer say."""

    limit: int
    remaining: int
    reset: int
    window: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }


def _client_of(request: Request) -> str | None:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    if getattr(request.user, "is_authenticated", False):
        return f"user:{request.user.pk}"
    return None


def _count(client: str, window_start: int) -> int:
    """Add one request to the client's window and return the count, in one statement (safe under concurrency)."""
    table = connection.ops.quote_name(RateWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (client, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608 (names only)
            f"ON CONFLICT (client, window_start) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [client, window_start],
        )
        (count,) = cursor.fetchone()
    if count == 1:
        RateWindow.objects.filter(client=client, window_start__lt=window_start).delete()
    return int(count)


def _window(length: int) -> tuple[int, int]:
    """The start of the current fixed window of `length` seconds, and the seconds until it ends."""
    moment = int(time.time())
    start = moment - moment % length
    return start, start + length - moment


def _bad_token_policy() -> tuple[int, int]:
    limit = int(getattr(settings, "PICOCORE_API_BAD_TOKEN_LIMIT", DEFAULT_BAD_TOKEN_LIMIT))
    window = int(getattr(settings, "PICOCORE_API_BAD_TOKEN_WINDOW", DEFAULT_BAD_TOKEN_WINDOW))
    return limit, window


def _bad_token_client(address: str) -> str:
    """The window's client key for an address: a digest, so an IPv6 address fits the column whole."""
    return "bad:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def bad_tokens_wait(address: str) -> int | None:
    """Seconds until `address` may present tokens again after too many invalid ones in this window, or None
    when it may now."""
    limit, window = _bad_token_policy()
    start, wait = _window(window)
    count = (
        RateWindow.objects.filter(client=_bad_token_client(address), window_start=start)
        .values_list("count", flat=True)
        .first()
    )
    return wait if count is not None and count >= limit else None


def bad_token_count(address: str) -> int | None:
    """Count one invalid token presented from `address`; the seconds to wait when that reached the limit,
    else None."""
    limit, window = _bad_token_policy()
    start, wait = _window(window)
    return wait if _count(_bad_token_client(address), start) >= limit else None


class TokenRateThrottle(BaseThrottle):
    """Fixed windows per client; leaves its RateState on the request for the answer's headers."""

    def allow_request(self, request: Request, view: Any) -> bool:
        client = _client_of(request)
        if client is None:
            return True
        limit = int(getattr(settings, "PICOCORE_API_RATE_LIMIT", DEFAULT_LIMIT))
        window = int(getattr(settings, "PICOCORE_API_RATE_WINDOW", DEFAULT_WINDOW))
        window_start, self._wait = _window(window)
        count = _count(client, window_start)
        request.rate_state = RateState(  # type: ignore[attr-defined]
            limit=limit, remaining=max(0, limit - count), reset=self._wait, window=window
        )
        return count <= limit

    def wait(self) -> float | None:
        return float(getattr(self, "_wait", 1))
