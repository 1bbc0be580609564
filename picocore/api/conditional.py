"""Conditional requests: a strong `ETag` on every single-object read, `If-None-Match` → 304, and `If-Match` on
updates (412 when the object changed since it was read; 428 when an update that needs it comes without one).

The tag is derived from the object's kind, id and `updated_at`, the field every change to a ticket touches."""

import hashlib
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.errors import ApiError


def etag_for(kind: str, pk: Any, version: Any) -> str:
    token = hashlib.sha256(f"{kind}:{pk}:{version}".encode()).hexdigest()[:32]
    return f'"{token}"'


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def not_modified(request: Request, etag: str) -> bool:
    """The client's `If-None-Match` names the current tag (or `*`): answer 304."""
    header = request.headers.get("If-None-Match", "")
    return bool(header) and (header.strip() == "*" or etag in _tags(header))


def tagged_response(request: Request, etag: str, body: Callable[[], Any]) -> Response:
    """The single-object read: 304 when `If-None-Match` names `etag` (the body is not built), else the body; both
    carry the tag."""
    response = Response(status=status.HTTP_304_NOT_MODIFIED) if not_modified(request, etag) else Response(body())
    response["ETag"] = etag
    return response


def check_if_match(request: Request, etag: str, *, required: bool) -> None:
    """Raise 412 when `If-Match` names another version, 428 when it is missing and `required`."""
    header = request.headers.get("If-Match", "")
    if not header:
        if required:
            raise ApiError(
                status.HTTP_428_PRECONDITION_REQUIRED,
                "precondition_required",
                _("Send If-Match with the ETag you last read of this request."),
            )
        return
    if header.strip() != "*" and etag not in _tags(header):
        raise ApiError(
            status.HTTP_412_PRECONDITION_FAILED,
            "precondition_failed",
            _("The request changed since you read it: read it again and retry with the new ETag."),
        )
