"""`Idempotency-Key` on creates: the same key and body within 24 hours return the first answer (with
`Idempotent-Replayed: true`) and create nothing; the same key with another body is 422.

Guarantees, also under concurrent retries: the create and the stored answer commit in one transaction, and the
key is unique per person, so of two simultaneous requests with one key exactly one creates; the other's work is
rolled back and it answers with the first's response. Errors are not stored: a request that failed may be
retried with the same key. An answer older than 24 hours is never replayed: a create that meets one removes it
and creates anew, and the worker removes the others every hour (`idempotent_responses_prune`), so a create
writes no more than the answer it stores."""

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.errors import ApiError
from picocore.api.models import IdempotentResponse
from picocore.core.clock import now
from picocore.tenancy.models import User

HEADER = "Idempotency-Key"
RETENTION = dt.timedelta(hours=24)
KEY_MAX_LENGTH = 255


def _key_of(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_idempotency_key",
            _("Idempotency-Key is 1 to %(n)d printable characters.") % {"n": KEY_MAX_LENGTH},
        )
    return key


def _digest(request: Request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _replay(stored: IdempotentResponse, digest: str) -> Response:
    if stored.body_digest != digest:
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            _("This Idempotency-Key was used with another request body."),
        )
    response = Response(stored.response_body, status=stored.status_code)
    if stored.location:
        response["Location"] = stored.location
    response["Idempotent-Replayed"] = "true"
    return response


def _person(request: Request) -> User:
    """The person asking (the view's permissions let only a signed-in person in)."""
    user: User = request.user  # type: ignore[assignment]
    return user


def _stored(request: Request, key: str) -> IdempotentResponse | None:
    """The person's stored answer under this key, however old (one lookup by the unique key)."""
    return IdempotentResponse.objects.filter(user=_person(request), key=key).first()


def _fresh(stored: IdempotentResponse | None) -> bool:
    return stored is not None and stored.created_at >= now() - RETENTION


PRUNE_BATCH = 1000


def idempotent_responses_prune(*, batch: int = PRUNE_BATCH) -> int:
    """Delete the answers older than the retention, `batch` rows per statement (read by the `created_at` index);
    returns how many went. Idempotent: a second run finds nothing left."""
    cutoff = now() - RETENTION
    deleted = 0
    while ids := list(
        IdempotentResponse.objects.filter(created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    ):
        deleted += IdempotentResponse.objects.filter(pk__in=ids).delete()[0]
    return deleted


def idempotent(request: Request, endpoint: str, create: Callable[[], Response]) -> Response:
    """Run `create` once per (person, key) within the retention; without the header, simply run it."""
    key = _key_of(request)
    if key is None:
        return create()
    digest = _digest(request)
    stored = _stored(request, key)
    if stored is not None and _fresh(stored):
        return _replay(stored, digest)
    try:
        with transaction.atomic():
            if stored is not None:  # an expired answer under this key: the key is free again
                IdempotentResponse.objects.filter(pk=stored.pk).delete()
            response = create()
            if status.is_success(response.status_code):
                IdempotentResponse.objects.create(
                    user=_person(request),
                    key=key,
                    endpoint=endpoint,
                    body_digest=digest,
                    status_code=response.status_code,
                    response_body=response.data,
                    location=response.get("Location", ""),
                )
    except IntegrityError:
        stored = _stored(request, key)
        if stored is None or not _fresh(stored):
            raise
        return _replay(stored, digest)
    return response
