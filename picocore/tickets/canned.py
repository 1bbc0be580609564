"""Placeholders of canned replies: which exist, how a template is checked when it is saved, and how it is
filled for one ticket. Pure functions, no database access.

A placeholder is a name in braces (`{ticket_key}`); `{{` and `}}` write a literal brace. Filling is one pass
over the template, so a value that itself holds braces (a title "Export {broken}") is written as it is and
never expanded again. Unknown names are refused when the template is saved, so filling never meets one.
"""

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from picocore.tickets.choices import Audience, CannedReplyKind, status_label

if TYPE_CHECKING:
    from picocore.tenancy.models import User
    from picocore.tickets.models import CannedReply, Ticket

# What each placeholder stands for, in the order they are offered to the person writing a template.
PLACEHOLDERS: dict[str, Promise] = {
    "requester_first_name": _("the requester's first name"),
    "requester_name": _("the requester's full name"),
    "ticket_key": _("the ticket's key, e.g. SHOP-12"),
    "title": _("the ticket's title"),
    "next_step": _("the next step (the reply's own, if it sets one)"),
    "next_step_due": _("the next step's expected date"),
    "consultant_first_name": _("your first name"),
    "consultant_name": _("your full name"),
    "organisation": _("the customer's name"),
}

# `{{` and `}}` (literal braces) or one `{name}`; a lone brace is text.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\s]*)\}")


def unknown_placeholders(template: str) -> list[str]:
    """The names in braces that are not placeholders, in order of first appearance, each once."""
    unknown: list[str] = []
    for match in _TOKEN.finditer(template):
        name = match.group(1)
        if name is not None and name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value (missing ones by nothing) and `{{`/`}}` by
    one brace, in a single pass: what a value holds is never read as a placeholder."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:  # "{{" or "}}"
            return match.group(0)[0]
        if name in PLACEHOLDERS:
            return values.get(name, "")
        return match.group(0)  # not a placeholder (refused at save time): left as written

    return _TOKEN.sub(replace, template)


def first_name(full_name: str, fallback: str = "") -> str:
    """The first word of a full name ("Anna" of "Anna Berg"), or `fallback` for an empty name."""
    words = full_name.split()
    return words[0] if words else fallback


@dataclass(frozen=True)
class FilledReply:
    """A canned reply filled for one ticket: what the composer gets (tab, text, the status and next step to
    set with it) and why its status is not set, if the ticket cannot move there now."""

    reply_id: int
    name: str
    tab: str  # "reply" or "note"
    body: str
    status: str  # "" leaves the status as it is
    status_refused: str
    next_step: str  # "" leaves the next step as it is
    next_step_due: dt.date | None
    scope: str = "everyone"  # "personal", "team" or "everyone": how the chooser groups it

    def draft(self) -> dict[str, str]:
        """The composer's draft (as the ticket page refills it) this reply gives."""
        due = self.next_step_due.isoformat() if self.next_step_due else ""
        return {"tab": self.tab, "body": self.body, "status": self.status, "next_step": self.next_step,
                "next_step_due": due, "notice": self.status_refused}  # fmt: skip

    def as_json(self) -> dict[str, str | int]:
        return {
            "id": self.reply_id,
            "tab": self.tab,
            "body": self.body,
            "status": self.status,
            "status_refused": self.status_refused,
            "next_step": self.next_step,
            "next_step_due": self.next_step_due.isoformat() if self.next_step_due else "",
        }


def _values(ticket: "Ticket", actor: "User", *, next_step: str, due: dt.date | None) -> dict[str, str]:
    requester = ticket.requester
    return {
        "requester_first_name": first_name(requester.full_name, requester.email),
        "requester_name": requester.full_name or requester.email,
        "ticket_key": ticket.key,
        "title": ticket.title,
        "next_step": next_step,
        "next_step_due": date_format(due, "DATE_FORMAT") if due else "",
        "consultant_first_name": first_name(actor.full_name, actor.email),
        "consultant_name": actor.full_name or actor.email,
        "organisation": ticket.organisation.name,
    }


def fill_for_ticket(
    reply: "CannedReply", *, ticket: "Ticket", actor: "User", allowed: Collection[str], today: dt.date
) -> FilledReply:
    """`reply` filled for `ticket` as `actor` writes it on `today`. Its status is kept only when it is one of
    `allowed` (where the ticket may move now); the same status as now is nothing to do. `{next_step}` in the
    text is the reply's own next step when it sets one, else the ticket's."""
    due = today + dt.timedelta(days=reply.next_step_due_days) if reply.next_step_due_days is not None else None
    current = _values(ticket, actor, next_step=ticket.next_step, due=ticket.next_step_due)
    next_step = fill(reply.next_step, current) if reply.next_step else ""
    values = _values(ticket, actor, next_step=next_step, due=due) if next_step else current
    status, refused = "", ""
    if reply.status and reply.status != ticket.status:
        if reply.status in allowed:
            status = reply.status
        else:
            refused = gettext(
                "“%(name)s” would set the status to %(status)s, but %(key)s cannot move there from %(current)s: "
                "the status is left as it is."
            ) % {
                "name": reply.name,
                "status": status_label(reply.status, Audience.STAFF).lower(),
                "key": ticket.key,
                "current": status_label(ticket.status, Audience.STAFF).lower(),
            }
    return FilledReply(
        reply_id=reply.pk,
        name=reply.name,
        tab="note" if reply.kind == CannedReplyKind.NOTE else "reply",
        body=fill(reply.body, values),
        status=status,
        status_refused=refused,
        next_step=next_step,
        next_step_due=due if next_step else None,
        scope="personal" if reply.owner_id is not None else "team" if reply.team_id is not None else "everyone",
    )
