"""Per-ticket reply addresses: `support+<key>.<mac>@domain`, e.g. support+acme-12.5f0c2a9e1b7d3c4f@….

The mac is an HMAC of the ticket (keyed by SECRET_KEY), so an address cannot be guessed from a ticket key
and nothing has to be stored: the address itself proves which ticket a reply is for. Keys rotated into
SECRET_KEY_FALLBACKS keep old addresses working. Everything is lower case because mail systems may fold
the case of local parts.
"""

import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from picocore.tickets.models import Ticket

SALT = "picocore.mail.reply-address"
MAC_LENGTH = 16  # hex digits: 64 bits, far beyond what anyone can guess by sending mail
TOKEN_RE = re.compile(rf"^(?P<key>[a-z][a-z0-9]{{1,9}}-\d{{1,18}})\.(?P<mac>[0-9a-f]{{{MAC_LENGTH}}})$")


def _mac(ticket: Ticket, secret: str | None = None) -> str:
    value = f"{ticket.pk}:{ticket.key}"
    return salted_hmac(SALT, value, secret=secret, algorithm="sha256").hexdigest()[:MAC_LENGTH]


def reply_token_for(ticket: Ticket) -> str:
    """The token that identifies `ticket` in a reply address: `<key>.<mac>`, lower case."""
    return f"{ticket.key.lower()}.{_mac(ticket)}"


def reply_address_for(ticket: Ticket) -> str:
    """The address a reply to `ticket` should go to: the support address with the ticket's token."""
    local, domain = settings.PICOCORE_SUPPORT_ADDRESS.rsplit("@", 1)
    return f"{local}+{reply_token_for(ticket)}@{domain}"


def token_from_address(address: str) -> str | None:
    """The token in an address's `+` part (`support+<token>@…`), or None."""
    local = (address or "").strip().strip("<>").rsplit("@", 1)[0].lower()
    if "+" not in local:
        return None
    token = local.rsplit("+", 1)[1]
    return token if TOKEN_RE.match(token) else None


def ticket_for_token(token: str) -> Ticket | None:
    """The ticket a token (or a whole reply address) names, or None when it names none or its mac is wrong.

    Says nothing about whether the sender may write to the ticket: the caller checks that.
    """
    if "@" in (token or ""):
        token = token_from_address(token) or ""
    match = TOKEN_RE.match((token or "").strip().lower())
    if match is None:
        return None
    ticket = Ticket.objects.filter(key=match["key"].upper()).first()
    if ticket is None:
        return None
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        if constant_time_compare(_mac(ticket, secret), match["mac"]):
            return ticket
    return None
