"""The type of a request that has passed a sign-in check, for views behind `login_required`.

Django types `request.user` as "a user or the anonymous user"; behind `login_required` (and the desk's and
portal's own guards, which apply it) it is always a signed-in `User`. Annotating such a view's request as
`AuthenticatedRequest` states that, and lets the type checker see the person's own fields.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from picocore.tenancy.models import User


class AuthenticatedRequest(HttpRequest):
    """An `HttpRequest` whose `user` is a signed-in person (only ever used as an annotation)."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in person making `request`, where a check has already let only such people through (the
    admin site, a view's guard). Raises `PermissionDenied` for an anonymous request."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
