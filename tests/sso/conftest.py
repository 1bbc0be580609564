"""A real OpenID Connect provider on loopback: django-oauth-toolkit with OIDC on, signing with an RSA key made
here, served by `live_server`; an organisation configured to sign in through it; and `sso_sign_in`, which walks
one sign-in the way a browser does (the sign-in page → the provider's authorize endpoint, as a person signed in
at the provider whose application skips the consent page → back to PicoCore's callback)."""

import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import Application

from picocore.sso.services import ProviderFields, identity_provider_save
from picocore.sso.views import redirect_uri
from picocore.tenancy.choices import MembershipRole, StaffRole
from picocore.tenancy.models import Organisation, User
from tests import factories
from tests.sso import provider

CLIENT_SECRET = "s3cret-of-the-picocore-client"
ADMINS, USERS = "picocore-admins", "picocore-users"
SSO_MARKS = [pytest.mark.transactional, pytest.mark.django_db(transaction=True, serialized_rollback=True),
             pytest.mark.urls("tests.sso.provider_urls")]  # fmt: skip


def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="session")
def signing_key() -> str:
    return private_key_pem()


@dataclass
class IdP:
    issuer: str
    application: Application
    account: User  # the person signed in at the provider
    organisation: Organisation
    manager: User


@pytest.fixture
def idp(live_server, settings, signing_key) -> Iterator[IdP]:
    issuer = f"{live_server.url}/o"
    settings.OAUTH2_PROVIDER = {
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": signing_key,
        "OIDC_ISS_ENDPOINT": issuer,
        "PKCE_REQUIRED": True,
        "OAUTH2_VALIDATOR_CLASS": "tests.sso.provider.ClaimsValidator",
        "SCOPES": {"openid": "OpenID Connect", "email": "E-mail", "profile": "Profile"},
    }
    account = factories.UserFactory(email="directory-account@provider.test")
    application = Application.objects.create(
        name="PicoCore", client_id="picocore-client", client_secret=CLIENT_SECRET, user=account,
        client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri(), algorithm=Application.RS256_ALGORITHM, skip_authorization=True,
    )  # fmt: skip
    organisation = factories.OrganisationFactory(name="Acme", key_prefix="ACME")
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER, email="manager@service.test")
    identity_provider_save(actor=manager, organisation_id=organisation.pk, fields=ProviderFields(
        issuer=issuer, client_id="picocore-client", client_secret=CLIENT_SECRET, groups_claim="groups", enabled=True,
        domains=["acme.test"], mappings=[(ADMINS, MembershipRole.CUSTOMER_ADMIN), (USERS, MembershipRole.REQUESTER)],
    ))  # fmt: skip
    provider.CLAIMS.clear()
    yield IdP(issuer, application, account, organisation, manager)
    provider.CLAIMS.clear()


def _path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def sso_sign_in(idp) -> Callable[..., object]:
    """Sign `client` in as `email` through the provider, whose ID token will carry `claims`; `authorize` may
    change the authorization request's query before the provider sees it, `answer` the provider's answer before
    PicoCore sees it. Returns PicoCore's answer to the provider's redirect."""

    def sign_in(client: Client, email: str, claims: dict, *, authorize=None, answer=None):
        provider.CLAIMS[idp.account.email] = {"email": email, "name": "Alice Andersen", **claims}
        started = client.post(reverse("accounts:login"), {"username": email, "password": ""})
        assert started.status_code == 302, started.content
        assert started["Location"].startswith(f"{idp.issuer}/authorize/?")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["Location"]).query))
        assert query["code_challenge_method"] == "S256" and query["response_type"] == "code"
        if authorize:
            authorize(query)
        at_provider = Client()
        at_provider.force_login(idp.account)
        granted = at_provider.get("/o/authorize/", query)
        assert granted.status_code == 302, granted.content
        assert granted["Location"].startswith(redirect_uri() + "?")
        returned = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(granted["Location"]).query))
        assert set(returned) >= {"code", "state"}
        if answer:
            answer(returned)
        return client.get(reverse("sso:callback"), returned)

    return sign_in
