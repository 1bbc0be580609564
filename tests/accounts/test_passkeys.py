"""Passkeys as a second factor: added beside the authenticator app after a fresh proof, used instead of its
code at sign-in and at step-up, and refused whenever the answer is not exactly the one asked for (another
challenge, origin or relying party, another person's passkey, a replayed or cloned one, garbage)."""

import datetime as dt
import json

import pytest
from django.test import Client

from picocore.core.clock import now
from picocore.security.models import Passkey
from picocore.security.passkeys import MAX_PASSKEYS
from picocore.tenancy.models import User
from tests import factories
from tests.accounts.authenticator import SoftAuthenticator, b64url
from tests.accounts.support import enrolled, password_step

pytestmark = pytest.mark.django_db

ADD_OPTIONS = "/accounts/security/passkeys/options/"
ADD = "/accounts/security/passkeys/"
SIGN_IN_OPTIONS = "/accounts/login/passkey/options/"
SIGN_IN = "/accounts/login/passkey/"
STEP_UP_OPTIONS = "/accounts/confirm/passkey/options/"
STEP_UP = "/accounts/confirm/passkey/"


def prove_recently(client: Client) -> None:
    """As the step-up page records a fresh code from the app."""
    session = client.session
    session["picocore.proof"] = {"at": now().isoformat(), "factor": "second_factor"}
    session.save()


def signed_in_as(client: Client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id is not None else None


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.wsgi_request._messages)


def add_passkey(client: Client, device: SoftAuthenticator, name: str = "Work laptop", **answer) -> object:
    options = client.post(ADD_OPTIONS)
    assert options.status_code == 200, options.content
    return client.post(ADD, {"name": name, "credential": device.create(options.json(), **answer)})


@pytest.fixture
def staff_with_app(consultant: User) -> User:
    enrolled(consultant)
    return consultant


@pytest.fixture
def proved(client: Client, staff_with_app: User) -> Client:
    client.force_login(staff_with_app)
    prove_recently(client)
    return client


def test_a_passkey_is_added_after_a_fresh_proof_and_listed(proved: Client, staff_with_app: User):
    device = SoftAuthenticator()
    page = proved.get("/accounts/security/").content.decode()
    assert 'data-passkey="create"' in page and "You have no passkeys." in page

    added = add_passkey(proved, device, name="Work laptop\x00  \n")
    assert added.status_code == 302 and added["Location"] == "/accounts/security/"
    passkey = Passkey.objects.get(user=staff_with_app)
    assert passkey.name == "Work laptop" and passkey.credential_id == b64url(device.credential_id)
    assert passkey.sign_count == 1 and passkey.transports == ["internal"]
    assert "Work laptop" in proved.get("/accounts/security/").content.decode()


def test_adding_asks_for_a_fresh_proof_and_an_app_first(client: Client, consultant: User):
    client.force_login(consultant)
    prove_recently(client)
    refused = client.post(ADD_OPTIONS)
    assert refused.status_code == 400 and "authenticator app first" in refused.json()["error"]

    enrolled(consultant)
    stale = Client()
    stale.force_login(consultant)  # signed in, not proved in this session
    assert stale.post(ADD_OPTIONS).status_code == 403
    assert "Confirm it is you to add a passkey" in stale.get("/accounts/security/").content.decode()
    answer = SoftAuthenticator().create({"challenge": b64url(b"made up")})
    refused = stale.post(ADD, {"name": "x", "credential": answer})
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/confirm/")
    assert not Passkey.objects.exists()


@pytest.mark.parametrize(
    "answer, expected",
    [
        ({"origin": "https://evil.example"}, "could not be checked"),
        ({"rp_id": "evil.example"}, "could not be checked"),
    ],
)
def test_an_answer_for_another_site_adds_nothing(proved: Client, answer: dict, expected: str):
    response = add_passkey(proved, SoftAuthenticator(), **answer)
    assert expected in messages_of(response)
    assert not Passkey.objects.exists()


def test_a_challenge_works_once_and_only_for_its_purpose(proved: Client, staff_with_app: User):
    device = SoftAuthenticator()
    options = proved.post(ADD_OPTIONS).json()
    answer = device.create(options)
    assert proved.post(ADD, {"name": "A", "credential": answer}).status_code == 302
    again = proved.post(ADD, {"name": "B", "credential": answer})
    assert "expired" in messages_of(again)
    assert Passkey.objects.count() == 1

    # A step-up challenge does not register a passkey.
    other = SoftAuthenticator()
    step_up_options = proved.post(STEP_UP_OPTIONS).json()
    wrong_purpose = proved.post(ADD, {"name": "C", "credential": other.create(step_up_options)})
    assert "expired" in messages_of(wrong_purpose)
    assert Passkey.objects.count() == 1


def test_an_expired_challenge_adds_nothing(proved: Client):
    options = proved.post(ADD_OPTIONS).json()
    session = proved.session
    session["picocore.passkey_challenge"]["at"] = (now() - dt.timedelta(minutes=6)).isoformat()
    session.save()
    response = proved.post(ADD, {"name": "Late", "credential": SoftAuthenticator().create(options)})
    assert "expired" in messages_of(response) and not Passkey.objects.exists()


@pytest.mark.parametrize("credential", ["", "not json", "[]", '{"id": 1}', "x" * 70_000, '{"a": "\x00"}'])
def test_garbage_is_a_clear_refusal(proved: Client, credential: str):
    proved.post(ADD_OPTIONS)
    response = proved.post(ADD, {"name": "Junk", "credential": credential})
    assert response.status_code == 302 and messages_of(response)
    assert not Passkey.objects.exists()


def test_the_same_passkey_cannot_be_registered_twice_even_by_another_person(proved: Client):
    device = SoftAuthenticator()
    assert add_passkey(proved, device).status_code == 302
    other = factories.StaffFactory()
    enrolled(other)
    client = Client()
    client.force_login(other)
    prove_recently(client)
    response = add_passkey(client, device)
    assert "registered already" in messages_of(response)
    assert not Passkey.objects.filter(user=other).exists() and Passkey.objects.count() == 1


def test_at_most_ten_passkeys(proved: Client, staff_with_app: User):
    for number in range(MAX_PASSKEYS):
        Passkey.objects.create(user=staff_with_app, name=f"Key {number}", credential_id=f"id{number}", public_key=b"")
    refused = proved.post(ADD_OPTIONS)
    assert refused.status_code == 400 and "the most there may be" in refused.json()["error"]
    assert 'data-passkey="create"' not in proved.get("/accounts/security/").content.decode()


def registered(user: User) -> SoftAuthenticator:
    client = Client()
    client.force_login(user)
    prove_recently(client)
    device = SoftAuthenticator()
    assert add_passkey(client, device).status_code == 302
    return device


def test_signing_in_with_a_passkey_instead_of_the_code(staff_with_app: User):
    device = registered(staff_with_app)
    client = Client()
    assert password_step(client, staff_with_app)["Location"] == "/accounts/login/code/"
    assert 'data-passkey="get"' in client.get("/accounts/login/code/").content.decode()
    options = client.post(SIGN_IN_OPTIONS).json()
    assert [c["id"] for c in options["allowCredentials"]] == [b64url(device.credential_id)]
    assert options["rpId"] == "testserver"

    done = client.post(SIGN_IN, {"credential": device.get(options)})
    assert done.status_code == 302 and signed_in_as(client) == staff_with_app.pk
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 2 and passkey.last_used_at is not None
    assert client.session["picocore.proof"]["factor"] == "second_factor"


def test_no_passkey_sign_in_without_the_password_step(staff_with_app: User):
    device = registered(staff_with_app)
    client = Client()
    refused = client.post(SIGN_IN_OPTIONS)
    assert refused.status_code == 400
    done = client.post(SIGN_IN, {"credential": device.get({"challenge": b64url(b"guess")})})
    assert done["Location"] == "/accounts/login/" and signed_in_as(client) is None


def test_a_replayed_or_cloned_passkey_is_refused(staff_with_app: User):
    device = registered(staff_with_app)
    client = Client()
    password_step(client, staff_with_app)
    options = client.post(SIGN_IN_OPTIONS).json()
    answer = device.get(options)
    # The same answer to a new challenge: the signature covers the old one.
    client.post(SIGN_IN_OPTIONS)
    refused = client.post(SIGN_IN, {"credential": answer})
    assert refused["Location"] == "/accounts/login/code/" and signed_in_as(client) is None
    # A clone whose counter did not move on from the one last seen.
    device.counter = Passkey.objects.get().sign_count
    options = client.post(SIGN_IN_OPTIONS).json()
    stale = client.post(SIGN_IN, {"credential": device.get(options, count=False)})
    assert stale["Location"] == "/accounts/login/code/" and signed_in_as(client) is None
    assert Passkey.objects.get().sign_count == 1


def test_another_persons_passkey_does_not_sign_in(staff_with_app: User):
    device = registered(staff_with_app)
    other = factories.StaffFactory()
    enrolled(other)
    client = Client()
    password_step(client, other)
    options = client.post(SIGN_IN_OPTIONS).json()
    assert options.get("allowCredentials", []) == []
    refused = client.post(SIGN_IN, {"credential": device.get(options)})
    assert refused["Location"] == "/accounts/login/code/" and signed_in_as(client) is None


def test_refused_passkeys_count_towards_the_lockout(staff_with_app: User, settings):
    device = registered(staff_with_app)
    client = Client()
    password_step(client, staff_with_app)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(SIGN_IN_OPTIONS)
        client.post(SIGN_IN, {"credential": json.dumps({"id": b64url(device.credential_id)})})
    options = client.post(SIGN_IN_OPTIONS).json()
    locked = client.post(SIGN_IN, {"credential": device.get(options)})
    assert signed_in_as(client) is None and locked.status_code in (403, 429)


def test_step_up_with_a_passkey(staff_with_app: User):
    device = registered(staff_with_app)
    client = Client()
    client.force_login(staff_with_app)
    page = client.get("/accounts/confirm/?next=/accounts/tokens/").content.decode()
    assert 'data-passkey="get"' in page
    options = client.post(STEP_UP_OPTIONS).json()
    done = client.post(STEP_UP, {"credential": device.get(options), "next": "/accounts/tokens/"})
    assert done["Location"] == "/accounts/tokens/"
    proof = client.session["picocore.proof"]
    assert proof["factor"] == "second_factor" and dt.datetime.fromisoformat(proof["at"]) <= now()

    refused = client.post(STEP_UP, {"credential": device.get(options), "next": "https://evil.example/"})
    assert refused["Location"].startswith("/accounts/confirm/?next=")


def test_removing_a_passkey_is_for_its_owner_only(staff_with_app: User):
    registered(staff_with_app)
    passkey = Passkey.objects.get()
    other = factories.StaffFactory()
    client = Client()
    client.force_login(other)
    prove_recently(client)
    assert client.post(f"/accounts/security/passkeys/{passkey.pk}/remove/").status_code == 404
    assert Passkey.objects.filter(pk=passkey.pk).exists()

    owner = Client()
    owner.force_login(staff_with_app)
    stale = owner.post(f"/accounts/security/passkeys/{passkey.pk}/remove/")
    assert stale["Location"].startswith("/accounts/confirm/") and Passkey.objects.filter(pk=passkey.pk).exists()
    prove_recently(owner)
    assert owner.post(f"/accounts/security/passkeys/{passkey.pk}/remove/").status_code == 302
    assert not Passkey.objects.exists()


def test_turning_off_two_factor_sign_in_removes_the_passkeys(staff_with_app: User):
    registered(staff_with_app)
    client = Client()
    client.force_login(staff_with_app)
    prove_recently(client)
    assert client.post("/accounts/security/two-factor/remove/").status_code == 302
    assert not Passkey.objects.exists()
