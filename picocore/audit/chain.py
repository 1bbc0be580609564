"""The hash chain's arithmetic, with no database: the canonical text of an entry and the digests over it.

Version 1 (`FORMAT`): an entry's hash is SHA-256 over the compact JSON array
`["picocore-audit-v1", sequence, at, actor id, action, "app_label.model", object id, text digest, previous hash]`
where `at` is UTC with microseconds (`2026-12-06T01:02:03.000004Z`) and the text digest is SHA-256 over
`["picocore-audit-text-v1", object repr, changes]` (keys sorted, integral numbers written as integers, so the
JSON a database hands back — PostgreSQL's jsonb reorders keys — gives the digest written). The first entry's
previous hash is GENESIS. A later format must keep computing this one for the entries written in it."""

import datetime as dt
import hashlib
import json
from typing import Any, Protocol

FORMAT = "picocore-audit-v1"
TEXT_FORMAT = "picocore-audit-text-v1"
GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def _sha256(parts: list[Any]) -> str:
    text = json.dumps(_canonical(parts), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def text_digest(object_repr: str, changes: Any) -> str:
    """The digest of an entry's personal text: what the chain covers in place of the text itself."""
    return _sha256([TEXT_FORMAT, object_repr, changes])


def moment_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    sequence: int,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    content_type: str,
    object_id: str,
    text_digest: str,
    previous_hash: str,
) -> str:
    """The hash of one entry: over its content and its predecessor's hash, so changing either changes it."""
    return _sha256(
        [FORMAT, sequence, moment_text(at), actor_id, action, content_type, object_id, text_digest, previous_hash]
    )


class _ContentType(Protocol):
    app_label: str
    model: str


class Chained(Protocol):
    """What the hash reads of an entry: the model's fields (a historical model's too, in a migration)."""

    sequence: int
    at: dt.datetime
    actor_id: int | None
    action: str
    object_id: str
    text_digest: str
    previous_hash: str

    @property
    def content_type(self) -> _ContentType: ...


def hash_of(entry: Chained) -> str:
    """`entry_hash` over an entry's fields as they stand."""
    return entry_hash(
        sequence=entry.sequence,
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        content_type=f"{entry.content_type.app_label}.{entry.content_type.model}",
        object_id=entry.object_id,
        text_digest=entry.text_digest,
        previous_hash=entry.previous_hash,
    )
