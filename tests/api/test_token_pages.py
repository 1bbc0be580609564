"""Tokens in the account settings: created with a name, scopes and expiry, shown once, stored hashed,
listed with their last use, revoked; nobody reaches another person's."""

import hashlib

import pytest
from django.test import Client

from picocore.api.models import ApiToken
from picocore.audit.models import AuditEntry
from tests.api.conftest import Api, ApiWorld
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
PAGE = "/accounts/tokens/"


def signed_in_client(user) -> Client:
    """Signed in, and having just confirmed their password (creating a token asks for it: step-up)."""
    client = Client()
    client.force_login(user)
    confirmed = client.post("/accounts/confirm/", {"password": PASSWORD, "next": PAGE})
    assert confirmed.status_code == 302 and confirmed["Location"] == PAGE
    return client


def test_a_token_is_shown_once_and_stored_hashed(world: ApiWorld):
    client = signed_in_client(world.acme.requester)
    response = client.post(PAGE, {"name": "Nightly  import", "scopes": ["tickets:read"], "expires_in_days": "30"})
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get()
    plaintext = response.context["created"].plaintext
    assert plaintext.startswith(f"pc_{token.prefix}_") and plaintext in response.content.decode()
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest() and plaintext not in str(vars(token))
    assert token.name == "Nightly import" and token.scopes == ["tickets:read"]
    assert AuditEntry.objects.filter(object_id=str(token.pk)).exists()
    again = client.get(PAGE).content.decode()
    assert plaintext not in again and f"pc_{token.prefix}_" in again
    assert "never" in again


def test_bad_input_creates_nothing(world: ApiWorld):
    client = signed_in_client(world.acme.requester)
    for data in (
        {"name": "", "scopes": ["tickets:read"], "expires_in_days": "30"},
        {"name": "nul\x00", "scopes": ["tickets:read"], "expires_in_days": "30"},
        {"name": "x" * 101, "scopes": ["tickets:read"], "expires_in_days": "30"},
        {"name": "ok", "scopes": ["root:all"], "expires_in_days": "30"},
        {"name": "ok", "scopes": [], "expires_in_days": "30"},
        {"name": "ok", "scopes": ["tickets:read"], "expires_in_days": "10000"},
    ):
        assert client.post(PAGE, data).status_code == 400, data
    assert not ApiToken.objects.exists()


def test_revoke_own_only(world: ApiWorld):
    mine = Api(world.acme.requester)
    other = Api(world.acme.admin)
    theirs = ApiToken.objects.get(user=world.acme.admin)
    client = signed_in_client(world.acme.requester)
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert world.acme.admin.email not in client.get(PAGE).content.decode()
    assert other.get("/api/v1/tickets/").status_code == 200
    own = ApiToken.objects.get(user=world.acme.requester)
    assert client.post(f"/accounts/tokens/{own.pk}/revoke/").status_code == 302
    assert mine.get("/api/v1/tickets/").status_code == 401
    assert "Revoked" in client.get(PAGE).content.decode()


def test_the_page_needs_a_sign_in(world: ApiWorld):
    assert Client().get(PAGE).status_code == 302


def test_a_person_creates_at_most_ten_tokens_an_hour_and_holds_at_most_fifty(world: ApiWorld):
    import datetime as dt

    from picocore.api.tokens import CREATED_PER_HOUR, USABLE_AT_ONCE, api_token_create
    from picocore.core.clock import now

    person = world.acme.requester
    mine = ApiToken.objects.filter(user=person)
    for n in range(CREATED_PER_HOUR - mine.count()):
        api_token_create(actor=person, name=f"script {n}", scopes=["tickets:read"], expires_in_days=30)
    client = signed_in_client(person)
    data = {"name": "one more", "scopes": ["tickets:read"], "expires_in_days": "30"}
    refused = client.post(PAGE, data)
    assert refused.status_code == 400 and "in the last hour" in refused.content.decode()
    assert mine.count() == CREATED_PER_HOUR
    assert world.api(world.acme.admin).token  # another person's limit is their own
    mine.update(created_at=now() - dt.timedelta(hours=2))
    assert client.post(PAGE, data).status_code == 200 and mine.count() == CREATED_PER_HOUR + 1
    extra = [ApiToken(user=person, name=f"old {n}", prefix=f"old{n:09d}", digest=f"{n:064d}", scopes=["tickets:read"],
                      expires_at=now() + dt.timedelta(days=30), created_at=now() - dt.timedelta(days=2))
             for n in range(USABLE_AT_ONCE - mine.count())]  # fmt: skip
    ApiToken.objects.bulk_create(extra)
    full = client.post(PAGE, {**data, "name": "fifty-first"})
    assert full.status_code == 400 and "revoke one" in full.content.decode()
    assert mine.count() == USABLE_AT_ONCE
    mine.filter(name="old 0").update(revoked_at=now())
    assert client.post(PAGE, {**data, "name": "after revoking"}).status_code == 200
