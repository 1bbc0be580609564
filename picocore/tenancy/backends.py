"""Signing in with Django's model backend, reading the person's tenancy reach with them."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from picocore.tenancy.models import User
from picocore.tenancy.scope import user_with_reach


class ReachBackend(ModelBackend):
    """Django's `ModelBackend`, except that the user a session names is read together with their reach
    (`picocore.tenancy.scope.with_reach`): scoping every query of the request then costs no query of its own."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:  # fmt: skip
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # Credentials that fail here fail everywhere: end the search, so that the plain ModelBackend listed
            # after this one (only to read sessions it signed in) does not hash the password a second time.
            raise PermissionDenied
        return user

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_reach(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
