"""Reading SLA clocks. Callers have already checked that the actor may see the ticket."""

from picocore.sla.models import SlaClock
from picocore.tickets.models import Ticket


def ticket_clocks(ticket: Ticket) -> dict[str, SlaClock]:
    """The ticket's stored clocks by metric, in one query."""
    return {clock.metric: clock for clock in SlaClock.objects.filter(ticket=ticket)}
