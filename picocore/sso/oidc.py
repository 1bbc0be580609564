"""The relying party's side of OpenID Connect's authorization code flow with PKCE, on Authlib and joserfc.

Every request to a provider goes through `picocore.core.outbound.OPENER`: the issuer is typed in by a member of
staff and the other endpoints come from the provider's discovery document, so the server must not be aimed at
itself or at the network behind it; no redirect is followed. An ID token is accepted only when its signature
checks against the provider's published keys (asymmetric algorithms only: never `none`, never a secret-keyed
HMAC) and its issuer, audience, expiry, issue time and nonce are the ones expected.

A provider's discovery document is kept in the cache for `DISCOVERY_SECONDS` (a sign-in reads it twice); a failed
read is not kept, and saving the provider forgets it (`discovery_forget`).
"""

import base64
import dataclasses
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from django.core.cache import cache
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from picocore.core.clock import now
from picocore.core.outbound import OPENER

TIMEOUT_SECONDS = 10
MAX_ANSWER_BYTES = 1_000_000
SCOPES = "openid email profile"
# Signature algorithms an ID token may use: public-key ones only, whose keys the provider publishes.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
CLOCK_SKEW_SECONDS = 60
DISCOVERY_SECONDS = 3600


class ProviderError(Exception):
    """The provider could not be reached, answered something unusable, or its answer failed a check. The
    message is for the person signing in (no secret, no token in it)."""


@dataclass(frozen=True)
class ProviderMetadata:
    """What the provider's discovery document says, as far as the code flow needs it."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and the secrets the answer must match (kept in the session until then)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


def _unreachable() -> ProviderError:
    return ProviderError(_("Your organisation's sign-in service cannot be reached just now. Try again in a few "
                           "minutes; if it persists, tell your administrator."))  # fmt: skip


def _request(url: str, **options: Any) -> urllib.request.Request:
    """A request to an http(s) address only: the opener would also read file: and ftp: addresses."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise _unreachable()
    headers = {"Accept": "application/json", **options.pop("headers", {})}
    return urllib.request.Request(url, headers=headers, **options)  # noqa: S310 (the scheme is checked above)


def _read_json(request: urllib.request.Request) -> dict[str, Any]:
    try:
        with OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except (OSError, ValueError) as error:  # URLError, HTTPError (a 3xx, 4xx or 5xx), TargetRefused, timeouts
        raise _unreachable() from error
    if len(body) > MAX_ANSWER_BYTES:
        raise _unreachable()
    try:
        document = json.loads(body)
    except ValueError as error:
        raise _unreachable() from error
    if not isinstance(document, dict):
        raise _unreachable()
    return document


def discovery_url(issuer: str) -> str:
    """Where OpenID Connect Discovery 1.0 puts the issuer's configuration."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def _discovery_key(issuer: str) -> str:
    return "sso:discovery:" + hashlib.sha256(issuer.encode()).hexdigest()


def discovery_forget(issuer: str) -> None:
    """Drop the cached discovery document of `issuer`: the next sign-in reads it afresh."""
    cache.delete(_discovery_key(issuer))


def discover(issuer: str) -> ProviderMetadata:
    """The provider's endpoints, read from its discovery document (or the cache); refused unless the document
    names the very issuer it was fetched for (OpenID Connect Discovery §4.3)."""
    kept = cache.get(_discovery_key(issuer))
    if isinstance(kept, dict):
        try:
            return ProviderMetadata(**kept)
        except TypeError:  # kept by a version with other fields
            pass
    metadata = _discover(issuer)
    cache.set(_discovery_key(issuer), dataclasses.asdict(metadata), DISCOVERY_SECONDS)
    return metadata


def _discover(issuer: str) -> ProviderMetadata:
    document = _read_json(_request(discovery_url(issuer)))
    fields = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    values = [document.get(name) for name in fields]
    if not all(isinstance(value, str) and value for value in values):
        raise _unreachable()
    metadata = ProviderMetadata(*(str(value) for value in values))
    if metadata.issuer.rstrip("/") != issuer.rstrip("/"):
        raise ProviderError(_("The sign-in service answered for another issuer; tell your administrator."))
    return metadata


def authorization_request(*, metadata: ProviderMetadata, client_id: str, redirect_uri: str,
                          reauthenticate: bool = False) -> AuthorizationRequest:  # fmt: skip
    """A fresh authorization request: random state, nonce and PKCE verifier (S256 challenge). With
    `reauthenticate`, the provider is asked to have the person sign in again even if they are signed in there
    (`prompt=login` and `max_age=0`, OpenID Connect Core §3.1.2.1), so the ID token's `auth_time` is fresh."""
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    again = {"prompt": "login", "max_age": "0"} if reauthenticate else {}
    url = prepare_grant_uri(
        metadata.authorization_endpoint,
        client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=SCOPES,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        **again,
    )
    return AuthorizationRequest(url=str(url), state=state, nonce=nonce, code_verifier=verifier)


def _basic(client_id: str, client_secret: str) -> str:
    # RFC 6749 §2.3.1: each part form-encoded before joining.
    pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def exchange_code(*, metadata: ProviderMetadata, client_id: str, client_secret: str, code: str,
                  redirect_uri: str, code_verifier: str) -> str:  # fmt: skip
    """The ID token the provider's token endpoint gives for this code (client_secret_basic, with the verifier)."""
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                   "code_verifier": code_verifier}).encode()  # fmt: skip
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": _basic(client_id, client_secret)}
    request = _request(metadata.token_endpoint, data=body, method="POST", headers=headers)
    answer = _read_json(request)
    id_token = answer.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise ProviderError(_("The sign-in service did not confirm who you are; try signing in again."))
    return id_token


def verify_id_token(*, metadata: ProviderMetadata, id_token: str, client_id: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature (against the provider's JWKS), issuer, audience, expiry, issue
    time and nonce are checked; ProviderError otherwise."""
    keys_document = _read_json(_request(metadata.jwks_uri))
    refused = ProviderError(_("The sign-in service's answer could not be verified; try signing in again."))
    try:
        keys = KeySet.import_key_set(keys_document)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
        claims = dict(token.claims)
        jwt.JWTClaimsRegistry(
            now=lambda: int(now().timestamp()),
            leeway=CLOCK_SKEW_SECONDS,
            iss={"essential": True, "value": metadata.issuer},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise refused from error
    # OpenID Connect Core §3.1.3.7: with several audiences, the authorised party must be this client.
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and claims.get("azp") != client_id:
        raise refused
    return claims
