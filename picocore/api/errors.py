"""One error envelope for every 4xx the API answers, mapped once from the domain errors:

    {"error": {"code": "not_found", "message": "…", "fields": {"title": ["…"]}}}

NotFound → 404, PermissionDenied → 403, InvalidTransition → 409 (with `allowed`, the statuses that may follow),
ValidationError → 400 (with its field errors); DRF's own errors (authentication, scopes, throttling, parsing)
keep their status and get the same shape. Anything else is a 5xx and a bug."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, PicoCoreError, ValidationError


class ApiError(exceptions.APIException):
    """An answer with an explicit status and code, for conditions of the HTTP layer itself (412, 428, 422)."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code


DOMAIN_CODES: dict[type[PicoCoreError], tuple[int, str]] = {
    NotFound: (status.HTTP_404_NOT_FOUND, "not_found"),
    PermissionDenied: (status.HTTP_403_FORBIDDEN, "permission_denied"),
    InvalidTransition: (status.HTTP_409_CONFLICT, "invalid_transition"),
    ValidationError: (status.HTTP_400_BAD_REQUEST, "invalid"),
}


def envelope(code: str, message: str, fields: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def _domain_response(exc: PicoCoreError) -> Response:
    _status, code = next(
        (mapped for kind, mapped in DOMAIN_CODES.items() if isinstance(exc, kind)),
        (exc.status_code, "error"),
    )
    # A subclass may narrow its status (an oversized payload is a ValidationError answered 413).
    status_code = exc.status_code
    if status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        code = "payload_too_large"
    fields = exc.field_errors if isinstance(exc, ValidationError) else {}
    extra = {"allowed": list(exc.allowed)} if isinstance(exc, InvalidTransition) else {}
    return Response(envelope(code, exc.message, fields, **extra), status=status_code)


def _flat(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [text for value in detail.values() for text in _flat(value)]
    if isinstance(detail, list):
        return [text for value in detail for text in _flat(value)]
    return [str(detail)]


def _fields_of(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail flattened to `field` / `field.sub` → messages."""
    if not isinstance(detail, dict):
        return {prefix or "non_field_errors": _flat(detail)}
    fields: dict[str, list[str]] = {}
    for name, value in detail.items():
        key = f"{prefix}.{name}" if prefix else str(name)
        if isinstance(value, dict):
            fields.update(_fields_of(value, key))
        else:
            fields[key] = _flat(value)
    return fields


def _drf_response(exc: exceptions.APIException) -> Response:
    if isinstance(exc, ApiError):
        body = envelope(exc.error_code, str(exc.detail))
    elif isinstance(exc, exceptions.ValidationError):
        body = envelope("invalid", _("Please correct the errors in the fields."), _fields_of(exc.detail))
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        body = envelope(code, " ".join(_flat(exc.detail)))
    response = Response(body, status=exc.status_code)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        response["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait is not None:
        response["Retry-After"] = str(max(1, int(wait)))
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: the envelope for every expected error, and the transaction rolled back."""
    if isinstance(exc, Http404):
        exc = NotFound(_("Not found."))
    if isinstance(exc, PicoCoreError):
        response = _domain_response(exc)
    elif isinstance(exc, exceptions.APIException):
        response = _drf_response(exc)
    else:
        return None
    set_rollback()
    return response
