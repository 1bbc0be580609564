"""Who may do what on the desk's own things (presence on a ticket, preferences), decided by the same rules
as the tickets' permissions: being present on a ticket is working on it."""

from picocore.tenancy.models import User
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import ticket_access
from picocore.tickets.queues import can_use_desk


def can_be_present(actor: User, ticket: Ticket) -> bool:
    """Only someone who works on the ticket shows up (and sees others) on it."""
    return can_use_desk(actor) and ticket_access(actor, ticket).works_on
