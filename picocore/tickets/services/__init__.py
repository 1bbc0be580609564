"""Every change to a ticket goes through these functions: each owns its transaction, validates, writes the
change together with its timeline event, and leaves the ticket consistent if anything fails.

Each one taking an `actor` first asks `picocore.tickets.permissions` whether the actor may do this to this
ticket: NotFound for a ticket they may not see, PermissionDenied for one they see but may not change, and
nothing written either way. There is deliberately no service that edits or deletes a timeline event.
"""

from picocore.tickets.services.conversation import ticket_add_note, ticket_reply
from picocore.tickets.services.creation import ticket_create
from picocore.tickets.services.lifecycle import (
    ticket_auto_close,
    ticket_confirm_resolution,
    ticket_reopen,
    ticket_transition,
)
from picocore.tickets.services.ownership import (
    ticket_assign,
    ticket_change_priority,
    ticket_set_next_step,
    ticket_take,
)
from picocore.tickets.services.relations import ticket_link, ticket_merge
from picocore.tickets.services.sharing import ticket_share

__all__ = [
    "ticket_add_note",
    "ticket_assign",
    "ticket_auto_close",
    "ticket_change_priority",
    "ticket_confirm_resolution",
    "ticket_create",
    "ticket_link",
    "ticket_merge",
    "ticket_reopen",
    "ticket_reply",
    "ticket_set_next_step",
    "ticket_share",
    "ticket_take",
    "ticket_transition",
]
