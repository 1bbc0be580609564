"""`Authorization: Bearer pc_…` for scripts and other systems; the browser uses its session (DRF's
SessionAuthentication, which enforces CSRF on unsafe methods)."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from picocore.accounts.throttle import client_address
from picocore.api.models import ApiToken
from picocore.api.throttling import bad_token_count, bad_tokens_wait
from picocore.api.tokens import token_authenticate
from picocore.security.twofactor import has_second_factor, second_factor_required

KEYWORD = "Bearer"


class TokenAuthentication(BaseAuthentication):
    """A request with a Bearer token acts as the token's person; an unknown, expired or revoked token is 401 (never
    a fall-back to anonymous). A member of staff without a second factor after the grace period is refused with
    403 `second_factor_required`: their tokens work again once they set one up. An address that presented too
    many invalid tokens is 429 for every token until its window ends (see `picocore.api.throttling`)."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header is `Bearer <token>`."))
        address = client_address(request._request)
        if (wait := bad_tokens_wait(address)) is not None:
            raise exceptions.Throttled(wait)
        try:
            presented = header[1].decode("ascii")
        except UnicodeDecodeError:
            presented = ""
        token = token_authenticate(presented) if presented else None
        if token is None:
            if (wait := bad_token_count(address)) is not None:
                raise exceptions.Throttled(wait)
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if second_factor_required(token.user) and not has_second_factor(token.user):
            raise exceptions.PermissionDenied(
                _(
                    "Members of staff must sign in with a second factor: set up an authenticator app under "
                    "Security in PicoCore, and this token works again."
                ),
                code="second_factor_required",
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
