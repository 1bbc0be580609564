"""Signing secrets sealed at rest: a copy of the database alone does not reveal them.

A webhook secret must be read back to sign (a hash would not do), so it is stored encrypted and authenticated
with keys derived from the installation's SECRET_KEY: a keystream of HMAC-SHA256 blocks over a random nonce and
a counter (encrypt), then HMAC-SHA256 over nonce and ciphertext (authenticate). Standard library only. A value
sealed under one of SECRET_KEY_FALLBACKS still opens, so the key can be rotated.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

PREFIX = "sealed1:"
NONCE_BYTES = 16
TAG_BYTES = 32


class SealBroken(ValueError):
    """The sealed text was changed, or sealed under a key this installation no longer has."""


def _keys(secret_key: str) -> tuple[bytes, bytes]:
    root = hashlib.sha256(b"picocore.webhooks.sealing\x00" + secret_key.encode()).digest()
    return hmac.new(root, b"encrypt", hashlib.sha256).digest(), hmac.new(root, b"authenticate", hashlib.sha256).digest()


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
              for counter in range(-(-length // 32)))  # fmt: skip
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def seal(text: str) -> str:
    """The text, encrypted and authenticated under the current SECRET_KEY."""
    encrypt, authenticate = _keys(settings.SECRET_KEY)
    nonce = secrets.token_bytes(NONCE_BYTES)
    data = text.encode()
    ciphertext = _xor(data, _keystream(encrypt, nonce, len(data)))
    tag = hmac.new(authenticate, nonce + ciphertext, hashlib.sha256).digest()
    return PREFIX + base64.b64encode(nonce + ciphertext + tag).decode("ascii")


def unseal(sealed: str) -> str:
    """The text `seal` was given; SealBroken when it was changed or the key is gone."""
    if not sealed.startswith(PREFIX):
        raise SealBroken("Not a sealed value.")
    try:
        raw = base64.b64decode(sealed.removeprefix(PREFIX), validate=True)
    except ValueError as error:
        raise SealBroken("Not a sealed value.") from error
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SealBroken("Not a sealed value.")
    nonce, ciphertext, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    for secret_key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        encrypt, authenticate = _keys(secret_key)
        if hmac.compare_digest(hmac.new(authenticate, nonce + ciphertext, hashlib.sha256).digest(), tag):
            return _xor(ciphertext, _keystream(encrypt, nonce, len(ciphertext))).decode()
    raise SealBroken("The sealed value was changed, or sealed under a key this installation does not have.")
