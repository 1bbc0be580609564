"""The type of a request that has passed a sign-in check, for views behind `login_required`.

Django types `request.user` as "a user or the anonymous user"; behind `login_required` (and the desk's and
portal's own guards, which apply it) it is always a signed-in `User`. Annotating such a view's request as
`AuthenticatedRequest` states that, and lets the type checker see the person's own fields.
"""

from django.http import HttpRequest

from picocore.tenancy.models import User


class AuthenticatedRequest(HttpRequest):
    """An `HttpRequest` whose `user` is a signed-in person (only ever used as an annotation)."""

    user: User
