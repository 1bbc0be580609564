"""Per-ticket reply addresses: unguessable, stateless, surviving a key rotation."""

import re

import pytest

from picocore.mail.addresses import reply_address_for, reply_token_for, ticket_for_token, token_from_address

pytestmark = pytest.mark.django_db


def test_the_reply_address_is_the_support_address_with_the_tickets_token(acme):
    ticket = acme.ticket()
    address = reply_address_for(ticket)
    assert re.fullmatch(r"support\+acme-1\.[0-9a-f]{16}@picocore\.example", address)
    assert token_from_address(address) == reply_token_for(ticket)
    assert ticket_for_token(reply_token_for(ticket)) == ticket
    assert ticket_for_token(address) == ticket


def test_mail_systems_may_change_the_case_of_the_address(acme):
    ticket = acme.ticket()
    assert ticket_for_token(reply_address_for(ticket).upper()) == ticket
    assert ticket_for_token(f"<{reply_address_for(ticket)}>") == ticket


def test_a_forged_or_borrowed_token_names_no_ticket(acme, nord):
    first, second = acme.ticket(), acme.ticket()
    other = nord.ticket()
    key, mac = reply_token_for(first).split(".")
    assert ticket_for_token(f"{key}.{'0' * 16}") is None
    assert ticket_for_token(f"{reply_token_for(second).split('.')[0]}.{mac}") is None  # ACME-2 with ACME-1's mac
    assert ticket_for_token(f"{other.key.lower()}.{mac}") is None
    assert ticket_for_token("acme-99.0123456789abcdef") is None
    for junk in ("", "support@picocore.example", "acme-1", "acme-1.xyz", "a.b.c", "acme-1.0123456789abcdef0"):
        assert ticket_for_token(junk) is None


def test_addresses_keep_working_after_a_secret_key_rotation(acme, settings):
    ticket = acme.ticket()
    token = reply_token_for(ticket)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-for-the-rotation-test-0123456789"
    assert ticket_for_token(token) is None
    settings.SECRET_KEY_FALLBACKS = [old]
    assert ticket_for_token(token) == ticket
    assert reply_token_for(ticket) != token  # new mail gets addresses under the new key


@pytest.mark.parametrize(
    ("address", "token"),
    [
        ("support+acme-12.0123456789abcdef@picocore.example", "acme-12.0123456789abcdef"),
        ("Support+ACME-12.0123456789ABCDEF@PicoCore.Example", "acme-12.0123456789abcdef"),
        ("support@picocore.example", None),
        ("support+hello@picocore.example", None),
        ("not an address", None),
    ],
)
def test_token_from_address(address, token):
    assert token_from_address(address) == token
