"""Which ticket an e-mail belongs to, and which organisation a new one is for.

A reply is matched, in this order, by the reply token in a recipient address, by In-Reply-To/References
against our own Message-IDs (the outbox's, and those of messages already filed on a ticket), and by a
ticket key in the subject. Whatever matched, the sender must be allowed on the ticket — the same rule the
portal applies (`customer_restrict`): its requester, a watcher, or a member of its organisation who may
see all of its requests. A ticket the sender may not see is never written to; it is only recorded as
refused.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models.functions import Lower

from picocore.mail.addresses import ticket_for_token, token_from_address
from picocore.mail.models import InboundMessage, RecipientMapping
from picocore.mail.parsing import ParsedMessage
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tenancy.scope import customer_restrict
from picocore.tickets.models import Ticket

KEY_RE = re.compile(r"(?<![A-Za-z0-9-])([A-Z][A-Z0-9]{1,9}-[1-9]\d{0,17})(?![A-Za-z0-9-])")
MAX_MERGE_HOPS = 5


@dataclass
class Route:
    """The ticket a message replies to (None: it starts a new one), how it was found, and the tickets it
    pointed at that the sender may not write to."""

    ticket: Ticket | None = None
    method: str = ""
    refused: list[dict[str, str]] = field(default_factory=list)


def _surviving(ticket: Ticket) -> Ticket:
    """A merged duplicate's conversation continues on the ticket it was merged into."""
    for _hop in range(MAX_MERGE_HOPS):
        if ticket.merged_into_id is None:
            break
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def may_write(sender: User, ticket: Ticket) -> bool:
    """Whether `sender` may add to `ticket` by e-mail: exactly when the portal would show it to them."""
    return customer_restrict(Ticket.objects.filter(pk=ticket.pk), sender).exists()


def _by_token(recipients: list[str]) -> list[Ticket]:
    tickets = []
    for address in recipients:
        if (token := token_from_address(address)) and (ticket := ticket_for_token(token)):
            tickets.append(ticket)
    return tickets


def _by_references(parsed: ParsedMessage) -> list[Ticket]:
    # The message answered directly first, then the thread from the newest reference back.
    ids = list(dict.fromkeys(parsed.in_reply_to + parsed.references[::-1]))
    if not ids:
        return []
    pairs = ("message_id", "ticket_id")
    found = dict(OutboxEmail.objects.filter(message_id__in=ids, ticket__isnull=False).values_list(*pairs))
    for message_id, ticket_id in InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False).values_list(
        *pairs
    ):
        found.setdefault(message_id, ticket_id)
    ticket_ids = list(dict.fromkeys(found[i] for i in ids if i in found))
    tickets = Ticket.objects.in_bulk(ticket_ids)
    return [tickets[pk] for pk in ticket_ids if pk in tickets]


def _by_subject(subject: str) -> list[Ticket]:
    keys = list(dict.fromkeys(KEY_RE.findall(subject or "")))[:5]
    if not keys:
        return []
    tickets = {ticket.key: ticket for ticket in Ticket.objects.filter(key__in=keys)}
    return [tickets[key] for key in keys if key in tickets]


def _candidates(parsed: ParsedMessage, recipients: list[str]) -> Iterator[tuple[str, list[Ticket]]]:
    # Lazily, so a message matched by its token costs no further queries.
    yield "token", _by_token(recipients)
    yield "references", _by_references(parsed)
    yield "subject", _by_subject(parsed.subject)


def route_reply(*, parsed: ParsedMessage, recipients: list[str], sender: User) -> Route:
    """The ticket this message answers that `sender` may write to, or a Route without one."""
    route = Route()
    seen: set[int] = set()
    for method, tickets in _candidates(parsed, recipients):
        for ticket in tickets:
            ticket = _surviving(ticket)
            if ticket.pk in seen:
                continue
            seen.add(ticket.pk)
            if may_write(sender, ticket):
                route.ticket, route.method = ticket, method
                return route
            route.refused.append({"ticket": ticket.key, "by": method})
    return route


def organisation_for(*, sender: User, recipients: list[str]) -> tuple[Organisation | None, str]:
    """The organisation a new ticket from `sender` is for, or (None, why not).

    One organisation: that one. Several: the one the recipient address is mapped to, else the sender's
    default organisation. Otherwise nobody can tell, and guessing could show the request to the wrong
    customer, so the message is held.
    """
    memberships = list(Membership.objects.filter(user=sender).select_related("organisation"))
    organisations = {m.organisation_id: m.organisation for m in memberships}
    if not organisations:
        return None, f"{sender.email} is not a contact of any customer organisation."
    if len(organisations) == 1:
        return next(iter(organisations.values())), ""
    mapped = (
        RecipientMapping.objects.annotate(lower=Lower("address"))
        .filter(lower__in=[a.lower() for a in recipients], organisation_id__in=organisations)
        .order_by("lower")
        .values_list("organisation_id", flat=True)
        .first()
    )
    if mapped is not None:
        return organisations[mapped], ""
    if sender.default_organisation_id in organisations:
        return organisations[sender.default_organisation_id], ""
    names = ", ".join(sorted(org.name for org in organisations.values()))
    return None, (
        f"{sender.email} belongs to several organisations ({names}), has no default organisation, and the "
        "message was not sent to an address mapped to one of them."
    )
