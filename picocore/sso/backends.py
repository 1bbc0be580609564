"""No password sign-in for the people of an organisation that signs in through its own provider."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from picocore.sso.selectors import provider_for_email
from picocore.tenancy.models import User


class SingleSignOnGuard:
    """Listed before the password backends: a password sign-in (the sign-in page, the admin site's, any
    `authenticate` call) for an address whose domain belongs to an organisation with single sign-on enabled is
    refused outright, right password or not, so that no password bypasses the organisation's provider.

    Deliberately not a `BaseBackend`: one with `get_user` would be taken for the backend of sessions it never
    signs in (Django's `force_login` picks the first backend that has one)."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:  # fmt: skip
        if username is not None and password is not None and provider_for_email(email=username) is not None:
            raise PermissionDenied
        return None
