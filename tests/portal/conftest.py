"""Fixtures for the portal's tests: a two-customer world (ACME's resolved request with a file, Nord's own request)
and a resolved ACME-1 on its own."""

from dataclasses import dataclass

import pytest

from picocore.tenancy.models import User
from picocore.tickets.models import Attachment, Ticket
from tests.conftest import Customer
from tests.portal.support import resolve, upload

ACME_TITLE = "Acme secret price export"
ACME_FILE = "acme-prices.csv"
NORD_TITLE = "Nord catalogue sync"


@dataclass
class World:
    acme: Customer
    nord: Customer
    consultant: User
    ticket: Ticket  # ACME-1: filed by ACME's requester, resolved, with a file on its `created` event
    attachment: Attachment
    nord_ticket: Ticket  # NORD-1, filed by Nord's requester, new


@pytest.fixture
def world(acme, nord, consultant) -> World:
    ticket = acme.ticket(title=ACME_TITLE, files=[upload(ACME_FILE, b"sku;price\nA-1;9.99\n")])
    resolve(ticket, consultant)
    ticket.refresh_from_db()
    nord_ticket = nord.ticket(title=NORD_TITLE)
    return World(acme, nord, consultant, ticket, ticket.attachments.get(), nord_ticket)


@pytest.fixture
def resolved(acme, consultant) -> Ticket:
    """ACME-1, filed by ACME's requester and resolved by the team."""
    ticket = acme.ticket()
    resolve(ticket, consultant)
    return ticket
