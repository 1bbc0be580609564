"""The ID token checks and discovery, against a JWKS and a discovery document served over real HTTP on loopback,
with tokens signed here (joserfc): only a token signed by the provider's published key, for this client, from
this issuer, unexpired, with this nonce, is accepted."""

import http.server
import json
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from picocore.sso import oidc
from picocore.sso.services import ProviderFields, identity_provider_save
from picocore.tenancy.choices import StaffRole
from tests import factories

ISSUER = "https://login.acme.example"
CLIENT = "picocore"
NONCE = "the-nonce-this-session-sent"
PROVIDER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider"})  # same kid, not published


class Documents(http.server.BaseHTTPRequestHandler):
    served: dict[str, dict] = {}
    asked: list[str] = []

    def do_GET(self):
        self.asked.append(self.path)
        document = self.served.get(self.path)
        body = json.dumps(document).encode()
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Documents)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    Documents.served = {"/jwks": {"keys": [PROVIDER_KEY.as_dict(private=False)]}}
    yield base
    httpd.shutdown()


@pytest.fixture
def metadata(server, settings) -> oidc.ProviderMetadata:
    settings.PICOCORE_OUTBOUND_PRIVATE_TARGETS = True
    return oidc.ProviderMetadata(issuer=ISSUER, authorization_endpoint=f"{ISSUER}/authorize",
                                 token_endpoint=f"{server}/token", jwks_uri=f"{server}/jwks")  # fmt: skip


def token(key=PROVIDER_KEY, alg="RS256", **overrides) -> str:
    moment = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "u-1", "iat": moment, "exp": moment + 300, "nonce": NONCE,
              "email": "alice@acme.example", **overrides}  # fmt: skip
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode({"alg": alg, "kid": "provider"}, claims, key, algorithms=[alg])


def verify(metadata, id_token: str) -> dict:
    return oidc.verify_id_token(metadata=metadata, id_token=id_token, client_id=CLIENT, nonce=NONCE)


def test_a_token_signed_by_the_provider_for_this_client_is_accepted(metadata):
    claims = verify(metadata, token())
    assert (claims["email"], claims["sub"], claims["aud"]) == ("alice@acme.example", "u-1", CLIENT)


@pytest.mark.parametrize(
    "bad",
    [
        {"key": OTHER_KEY},
        {"iss": "https://login.evil.example"},
        {"aud": "another-client"},
        {"aud": [CLIENT, "another-client"]},  # several audiences and no azp naming this client
        {"exp": int(time.time()) - 120},
        {"exp": None},
        {"iat": None},
        {"nonce": "a-nonce-this-session-never-sent"},
        {"nonce": None},
        {"sub": None},
    ],
    ids=lambda bad: ",".join(bad),
)
def test_anything_else_is_refused(metadata, bad):
    with pytest.raises(oidc.ProviderError, match="could not be verified"):
        verify(metadata, token(**bad))


def test_several_audiences_are_accepted_when_this_client_is_the_authorised_party(metadata):
    assert verify(metadata, token(aud=[CLIENT, "another-client"], azp=CLIENT))["azp"] == CLIENT


def test_a_token_signed_with_a_shared_secret_or_unsigned_is_refused(metadata):
    hmac_key = OctKey.import_key(json.dumps(PROVIDER_KEY.as_dict(private=False)).encode())
    with pytest.raises(oidc.ProviderError):
        verify(metadata, token(key=hmac_key, alg="HS256"))
    header, payload, _signature = token().split(".")
    unsigned_header = "eyJhbGciOiJub25lIiwia2lkIjoicHJvdmlkZXIifQ"  # {"alg":"none","kid":"provider"}
    with pytest.raises(oidc.ProviderError):
        verify(metadata, f"{unsigned_header}.{payload}.")
    assert header != unsigned_header


def test_discovery_must_name_the_issuer_it_was_fetched_for(server, settings):
    settings.PICOCORE_OUTBOUND_PRIVATE_TARGETS = True
    endpoints = {"authorization_endpoint": f"{server}/a", "token_endpoint": f"{server}/t", "jwks_uri": f"{server}/j"}
    Documents.served["/good/.well-known/openid-configuration"] = {"issuer": f"{server}/good", **endpoints}
    Documents.served["/bad/.well-known/openid-configuration"] = {"issuer": "https://login.evil.example", **endpoints}
    assert oidc.discover(f"{server}/good").token_endpoint == f"{server}/t"
    with pytest.raises(oidc.ProviderError, match="another issuer"):
        oidc.discover(f"{server}/bad")
    with pytest.raises(oidc.ProviderError, match="cannot be reached"):
        oidc.discover(f"{server}/missing")


def test_discovery_is_kept_for_an_hour_and_failures_are_not(server, settings, monkeypatch):
    settings.PICOCORE_OUTBOUND_PRIVATE_TARGETS = True
    kept_for: list[object] = []
    keep = cache.set
    monkeypatch.setattr(cache, "set", lambda key, value, timeout: kept_for.append(timeout) or keep(key, value, timeout))
    endpoints = {"authorization_endpoint": f"{server}/a", "token_endpoint": f"{server}/t", "jwks_uri": f"{server}/j"}
    document = "/kept/.well-known/openid-configuration"
    Documents.served[document] = {"issuer": f"{server}/kept", **endpoints}
    Documents.asked.clear()
    first = oidc.discover(f"{server}/kept")
    Documents.served[document] = {"issuer": f"{server}/kept", **endpoints, "token_endpoint": f"{server}/moved"}
    assert oidc.discover(f"{server}/kept") == first and Documents.asked == [document]
    assert kept_for == [3600]
    cache.clear()  # as an hour later
    assert oidc.discover(f"{server}/kept").token_endpoint == f"{server}/moved"
    assert Documents.asked == [document, document]

    for _attempt in range(2):  # a failure is asked again
        with pytest.raises(oidc.ProviderError, match="cannot be reached"):
            oidc.discover(f"{server}/absent")
    with pytest.raises(oidc.ProviderError, match="another issuer"):
        oidc.discover(f"{server}/bad")
    assert Documents.asked[2:] == ["/absent/.well-known/openid-configuration"] * 2 + [
        "/bad/.well-known/openid-configuration"
    ]
    assert kept_for == [3600, 3600]


@pytest.mark.django_db
def test_saving_a_provider_forgets_its_discovery(server, settings, django_capture_on_commit_callbacks):
    settings.PICOCORE_OUTBOUND_PRIVATE_TARGETS = True
    endpoints = {"authorization_endpoint": f"{server}/a", "token_endpoint": f"{server}/t", "jwks_uri": f"{server}/j"}
    for name in ("old", "new"):
        Documents.served[f"/{name}/.well-known/openid-configuration"] = {"issuer": f"{server}/{name}", **endpoints}
    organisation = factories.OrganisationFactory()
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)

    def save(issuer: str) -> None:
        fields = ProviderFields(issuer=issuer, client_id="picocore", client_secret="s", groups_claim="groups",
                                enabled=False, domains=["acme.test"])  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            identity_provider_save(actor=manager, organisation_id=organisation.pk, fields=fields)

    save(f"{server}/old")
    oidc.discover(f"{server}/old")
    oidc.discover(f"{server}/new")
    Documents.asked.clear()
    save(f"{server}/new")  # forgets the issuer it had and the one it has
    oidc.discover(f"{server}/old")
    oidc.discover(f"{server}/new")
    assert Documents.asked == ["/old/.well-known/openid-configuration", "/new/.well-known/openid-configuration"]


def test_a_provider_on_a_private_address_is_not_reached_unless_allowed(server, settings):
    settings.PICOCORE_OUTBOUND_PRIVATE_TARGETS = False
    with pytest.raises(oidc.ProviderError, match="cannot be reached"):
        oidc.discover(f"{server}/good")


def test_only_http_addresses_are_fetched(metadata):
    local = oidc.ProviderMetadata(issuer=ISSUER, authorization_endpoint="", token_endpoint="",
                                  jwks_uri="file:///etc/passwd")  # fmt: skip
    with pytest.raises(oidc.ProviderError, match="cannot be reached"):
        verify(local, token())
