"""The base of every API view: token or session authentication, scopes, per-client rate limits and the one
error envelope come from the REST_FRAMEWORK settings; this adds the rate-limit headers to every answer, errors
included, and refuses any view that forgets to name the scopes it needs."""

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from picocore.api.scopes import Scope
from picocore.tenancy.models import User


class ApiView(APIView):
    """Subclasses set `read_scope` (GET) and/or `write_scope` (POST, PATCH, DELETE); a method without its scope is
    refused to tokens (see `picocore.api.permissions.HasScope`)."""

    read_scope: Scope | None = None
    write_scope: Scope | None = None

    @property
    def actor(self) -> User:
        user: User = self.request.user  # type: ignore[assignment]
        return user

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request, "rate_state", None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response
