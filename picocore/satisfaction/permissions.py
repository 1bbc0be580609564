"""Who may rate a resolution: the request's requester, while they still follow it. Nobody rates for them — not a
colleague who sees the request, not the organisation's customer admin, not the service team."""

from picocore.tenancy.models import User
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import TicketAccess, ticket_access


def may_rate(actor: User, ticket: Ticket, *, access: TicketAccess | None = None) -> bool:
    """Whether `actor` may rate (or change their rating of) the ticket's resolutions; `access` when already read."""
    if not actor.is_active or actor.pk is None or ticket.requester_id != actor.pk:
        return False
    return (access if access is not None else ticket_access(actor, ticket)).follows
