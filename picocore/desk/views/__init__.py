"""The consultants' desk. Each view parses input, calls one selector or service, and renders.

Who may use it: consultants (for the organisations their teams serve), service managers and administrators.
Developers reach only the development pages; everyone else gets 404, as for a ticket that does not exist.
"""

from picocore.desk.views.canned import canned_reply_delete, canned_reply_edit, canned_reply_list
from picocore.desk.views.common import desk_page, development_page
from picocore.desk.views.development import development_item, development_list
from picocore.desk.views.phone import phone_call
from picocore.desk.views.queues import (
    bulk,
    desk_home,
    queue,
    saved_view_delete,
    saved_view_open,
    saved_view_rename,
    saved_view_save,
)
from picocore.desk.views.ticket import (
    attachment_download,
    ticket_assign,
    ticket_detail,
    ticket_hand_off,
    ticket_link,
    ticket_merge,
    ticket_next_step,
    ticket_note,
    ticket_presence,
    ticket_priority,
    ticket_problem,
    ticket_reply,
    ticket_take,
    ticket_transition,
    timeline_order,
)

__all__ = [
    "attachment_download",
    "bulk",
    "canned_reply_delete",
    "canned_reply_edit",
    "canned_reply_list",
    "desk_home",
    "desk_page",
    "development_item",
    "development_list",
    "development_page",
    "phone_call",
    "queue",
    "saved_view_delete",
    "saved_view_open",
    "saved_view_rename",
    "saved_view_save",
    "ticket_assign",
    "ticket_detail",
    "ticket_hand_off",
    "ticket_link",
    "ticket_merge",
    "ticket_next_step",
    "ticket_note",
    "ticket_presence",
    "ticket_priority",
    "ticket_problem",
    "ticket_reply",
    "ticket_take",
    "ticket_transition",
    "timeline_order",
]
