"""Signed rating links: they name one resolution and one requester, need no sign-in, and expire a week after
the resolution. A link cannot be altered to rate another resolution or as another person (the signature
covers both), and nobody but its requester's link rates as them."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "picocore.satisfaction.rating"
VALID_FOR = dt.timedelta(days=7)


def rating_token(*, resolution_id: int, requester_id: int) -> str:
    return signing.dumps({"r": resolution_id, "u": requester_id}, salt=SALT, compress=False)


def rating_url(*, resolution_id: int, requester_id: int, score: int | None = None) -> str:
    """The absolute link (for e-mails); `score` pre-chooses a score, as the one-click links do."""
    path = reverse("satisfaction:rate", args=[rating_token(resolution_id=resolution_id, requester_id=requester_id)])
    query = f"?score={score}" if score is not None else ""
    return settings.PICOCORE_BASE_URL.rstrip("/") + path + query


class LinkRefused(Exception):
    """The link was altered, is not a rating link, or is too old."""


def read_token(token: str) -> tuple[int, int]:
    """(resolution id, requester id) of a valid link; LinkRefused otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=VALID_FOR)
    except signing.SignatureExpired as expired:
        raise LinkRefused("expired") from expired
    except signing.BadSignature as bad:
        raise LinkRefused("bad signature") from bad
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("u"), int):
        raise LinkRefused("not a rating link")
    return data["r"], data["u"]
