"""Who may hold API tokens and what a request's credentials allow.

- Every active signed-in person may hold tokens of their own and revoke them; nobody sees or revokes another
  person's token (administrators revoke by deactivating the person).
- A request authenticated by a token may use an endpoint only when the token holds the endpoint's scope
  (`read_scope` for safe methods, `write_scope` otherwise). A browser session holds every scope.
- Which objects the person may see or change is decided by each domain's own permission policy, in the
  services and selectors the API calls; nothing here widens it.
"""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from picocore.api.models import ApiToken
from picocore.tenancy.models import User


def _signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_own_tokens(actor: User) -> bool:
    return _signed_in(actor)


def can_manage_token(actor: User, token: ApiToken) -> bool:
    return _signed_in(actor) and token.user_id == actor.pk


class HasScope(BasePermission):
    """Signed in (by token or session), and the token holds the view's scope for this method. A view with no
    scope for the method is refused to tokens (it must say what it needs)."""

    message = "The token lacks the scope this endpoint needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not _signed_in(request.user):
            return False
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is None:
            return True
        safe = request.method in ("GET", "HEAD", "OPTIONS")
        scope = getattr(view, "read_scope" if safe else "write_scope", None)
        if scope is None:
            return False
        if scope not in token.scopes:
            self.message = f"The token lacks the scope {scope}."
            return False
        return True
