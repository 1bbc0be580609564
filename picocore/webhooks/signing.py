"""Signing outbound webhooks the Standard Webhooks way, so a receiver verifies them with any of its libraries or
with the recipe in the README ("Webhooks: verifying a delivery").

A delivery carries three headers: `webhook-id` (the message id, the same on every retry of one message),
`webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`: one `v1,<base64 HMAC-SHA256>`
per active secret, separated by spaces, over the bytes `<id>.<timestamp>.<body>`. During a rotation the old and
the new secret are both active, so a receiver holding either accepts the delivery.

A secret is `whsec_` followed by the base64 of 32 random bytes; the HMAC key is those bytes.
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

SECRET_PREFIX = "whsec_"  # noqa: S105 (the public marker of a secret, not one)
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 5 * 60


class InvalidSecret(ValueError):
    """The text is not a `whsec_…` secret."""


class InvalidSignature(ValueError):
    """A delivery's headers do not prove it was signed with the secret (or it is too old or too new)."""


def new_secret() -> str:
    """A fresh random signing secret."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidSecret("A signing secret starts with whsec_.")
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError as error:
        raise InvalidSecret("A signing secret is whsec_ followed by base64.") from error


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "<msg_id>.<timestamp>.<body>">` with the secret's key."""
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signature_headers(*, secrets_active: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers of one attempt, signed with every active secret (at least one)."""
    signatures = [sign(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body) for secret in secrets_active]
    if not signatures:
        raise InvalidSecret("A delivery needs at least one active secret.")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }


def verify(
    *,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Raise InvalidSignature unless one `v1` signature in `headers` matches `secret` and the timestamp is
    within `tolerance` seconds of `now` (replayed old deliveries are refused). Header names are matched without
    regard to case. Comparison is constant-time."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    raw_timestamp = lowered.get("webhook-timestamp", "")
    if not msg_id or not raw_timestamp.isdigit():
        raise InvalidSignature("The webhook-id or webhook-timestamp header is missing.")
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("The timestamp is outside the tolerance.")
    expected = sign(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
    for candidate in lowered.get("webhook-signature", "").split():
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return
    raise InvalidSignature("No signature matches the secret.")
