"""Sign-in throttling: a guessed password gets a handful of tries per account and per address, then a pause
that the right password does not lift; the same answers whether or not an account exists; administrators
unlock."""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.utils import timezone

from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 5  # the failure that reaches it is answered with the lockout
WRONG = "That e-mail address and password do not match an account. Check both and try again."
LOCKED = (
    "There were too many failed sign-ins for this e-mail address or from your network. For your security, "
    "signing in is paused: try again in 15 minutes."
)


@pytest.fixture
def nils(db) -> User:
    return User.objects.create_user("nils@nord.example", PASSWORD, full_name="Nils Nord")


def sign_in(client, email: str, password: str, address: str = "198.51.100.7"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def said(response) -> str:
    """The page's words, without markup and the per-request CSRF token."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(re.sub(r'value="[^"]*"', "", text).split())


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_then_does_not_sign_in(client, nils):
    answers = [sign_in(client, nils.email, f"guess-{n}") for n in range(50)]
    assert [r.status_code for r in answers] == [200] * (LIMIT - 1) + [429] * (51 - LIMIT)
    assert WRONG in said(answers[0]) and LOCKED not in said(answers[0])
    assert LOCKED in said(answers[-1]) and WRONG not in said(answers[-1])
    assert answers[-1]["Retry-After"] == "900"

    right = sign_in(client, nils.email, PASSWORD)
    assert right.status_code == 429
    assert LOCKED in said(right)
    assert not signed_in(client)
    # Another address of the same person: still locked, it is the account that is protected.
    assert sign_in(client, "NILS@nord.example ", PASSWORD, address="203.0.113.9").status_code == 429
    assert not signed_in(client)


def test_an_address_that_guesses_across_accounts_is_locked_for_every_account(client, nils):
    answers = [sign_in(client, f"user{n}@nord.example", "guess").status_code for n in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]
    assert sign_in(client, nils.email, PASSWORD).status_code == 429
    assert not signed_in(client)
    assert sign_in(client, nils.email, PASSWORD, address="203.0.113.9").status_code == 302  # from elsewhere: fine
    assert signed_in(client)


def test_unknown_and_known_accounts_are_answered_alike(client, nils, monkeypatch):
    hashed: list[str] = []
    encode = MD5PasswordHasher.encode

    def counting_encode(self, password, salt):
        hashed.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting_encode)
    known = [sign_in(client, nils.email, "guess", address="198.51.100.1") for _ in range(LIMIT + 1)]
    known_hashes, hashed[:] = len(hashed), []
    unknown = [sign_in(client, "nobody@nord.example", "guess", address="198.51.100.2") for _ in range(LIMIT + 1)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200] * (LIMIT - 1) + [429, 429]
    assert [said(r) for r in known] == [said(r) for r in unknown]
    # The same password work either way (Django hashes for an unknown account too), so timing tells nothing;
    # once locked, no password is checked at all.
    assert known_hashes == len(hashed) == LIMIT


def test_the_lock_ends_after_the_cool_off(client, nils):
    for _ in range(LIMIT):
        sign_in(client, nils.email, "guess")
    assert sign_in(client, nils.email, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert sign_in(client, nils.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_an_administrator_unlocks_an_account_from_the_command_line(client, nils, capsys):
    for _ in range(LIMIT):
        sign_in(client, nils.email, "guess", address="198.51.100.1")
    assert sign_in(client, nils.email, PASSWORD, address="198.51.100.2").status_code == 429
    call_command("unlock", email="Nils@Nord.example")
    assert capsys.readouterr().out == "Unlocked (2 record(s) of failed sign-ins removed).\n"  # one per address
    assert sign_in(client, nils.email, PASSWORD, address="198.51.100.2").status_code == 302


def test_an_administrator_sees_and_removes_lockouts_in_the_admin(client, nils):
    for _ in range(LIMIT):
        sign_in(client, nils.email, "guess")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        nils.email,
        "198.51.100.7",
        LIMIT,
    )
    admin = factories.StaffFactory(staff_role=StaffRole.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and nils.email in said(listing)
    removed = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert removed.status_code == 302
    client.logout()
    assert sign_in(client, nils.email, PASSWORD).status_code == 302


def test_the_unlock_command_says_what_to_unlock():
    with pytest.raises(Exception, match="Say what to unlock"):
        call_command("unlock")
