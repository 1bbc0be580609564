"""What the OpenAPI document says of the API's own pieces: the Bearer token scheme (with its scopes)."""

import inspect
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "picocore.api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`pc_…`), created under Account → API tokens, with the scopes "
            "the endpoint names.",
        }


class ApiAutoSchema(AutoSchema):
    """Describes each operation by its own view's docstring only: a view without one says nothing rather than
    repeating its base class's notes for developers."""

    def get_description(self) -> str:  # type: ignore[override]
        method = getattr(self.view, self.method.lower(), None)
        own = self.view.__class__.__dict__.get("__doc__") or ""
        return inspect.cleandoc(getattr(method, "__doc__", None) or own)
