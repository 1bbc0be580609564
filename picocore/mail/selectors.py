"""Reading inbound e-mail: the full message behind a reply on the timeline, for the team working the ticket."""

from picocore.core.errors import NotFound
from picocore.mail.models import InboundMessage
from picocore.tenancy.models import User
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.queues import desk_tickets


def inbound_message_get(*, actor: User, key: str, message_id: int) -> InboundMessage:
    """One e-mail filed on ticket `key`, if the actor may work on that ticket in the desk; NotFound otherwise
    (the same for a message that does not exist). Customers see the trimmed reply on the timeline only."""
    stored_key = parse_ticket_key(key)
    if stored_key is None:
        raise NotFound("There is no such e-mail, or it is not on a ticket you work on.")
    message = (
        InboundMessage.objects.filter(pk=message_id, ticket__in=desk_tickets(actor=actor).filter(key=stored_key))
        .select_related("ticket", "sender")
        .defer("raw")
        .first()
    )
    if message is None:
        raise NotFound("There is no such e-mail, or it is not on a ticket you work on.")
    return message
