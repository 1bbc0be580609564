"""The signature recipe: HMAC-SHA256 over `id.timestamp.body`, base64, `v1,` prefix, any active secret."""

import base64
import hashlib
import hmac

import pytest

from picocore.webhooks.signing import (
    InvalidSecret,
    InvalidSignature,
    new_secret,
    sign,
    signature_headers,
    verify,
)

BODY = b'{"type":"ticket.created","data":{"key":"ACME-1"}}'


def test_the_signature_is_the_documented_recipe() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    expected = base64.b64encode(hmac.new(b"k" * 32, b"msg_1.1700000000." + BODY, hashlib.sha256).digest())
    assert sign(secret=secret, msg_id="msg_1", timestamp=1700000000, body=BODY) == "v1," + expected.decode()


def test_both_secrets_of_a_rotation_verify() -> None:
    old, new = new_secret(), new_secret()
    headers = signature_headers(secrets_active=[old, new], msg_id="msg_2", timestamp=100, body=BODY)
    assert len(headers["webhook-signature"].split()) == 2
    verify(secret=old, headers=headers, body=BODY, now=100)
    verify(secret=new, headers={k.upper(): v for k, v in headers.items()}, body=BODY, now=100)
    with pytest.raises(InvalidSignature):
        verify(secret=new_secret(), headers=headers, body=BODY, now=100)


def test_a_changed_body_or_an_old_timestamp_is_refused() -> None:
    secret = new_secret()
    headers = signature_headers(secrets_active=[secret], msg_id="msg_3", timestamp=100, body=BODY)
    with pytest.raises(InvalidSignature):
        verify(secret=secret, headers=headers, body=BODY + b" ", now=100)
    with pytest.raises(InvalidSignature):
        verify(secret=secret, headers=headers, body=BODY, now=100 + 301)
    with pytest.raises(InvalidSignature):
        verify(secret=secret, headers={"webhook-signature": headers["webhook-signature"]}, body=BODY, now=100)


def test_a_malformed_secret_is_refused() -> None:
    with pytest.raises(InvalidSecret):
        sign(secret="not-a-secret", msg_id="m", timestamp=1, body=b"")
    with pytest.raises(InvalidSecret):
        sign(secret="whsec_***", msg_id="m", timestamp=1, body=b"")
    with pytest.raises(InvalidSecret):
        signature_headers(secrets_active=[], msg_id="m", timestamp=1, body=b"")
