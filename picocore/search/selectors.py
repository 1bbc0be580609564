"""The desk's one search over everything a member of staff may work on: tickets (with their timeline, notes
included), and the other kinds as they are registered, each section read through the same scope as its list.
(Customers search their requests through the request list's filter and the knowledge base at its page.)

A search runs a fixed number of queries whatever the data: per section, an existence check of the exact
words (a typo is forgiven only when they find nothing), one page of hits, and one read of the timeline
entries that explain the ticket hits.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from picocore.core.fulltext import Highlighter, TextMatch, TextQuery
from picocore.tenancy.models import User
from picocore.tickets.fulltext import EVENT_INDEX
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.queues import desk_tickets
from picocore.tickets.textsearch import ranked_page

SECTION_SIZE = 20
LONGEST_QUERY = 200  # characters read of what was typed: more is pasted text, not a search


@dataclass(frozen=True)
class Hit:
    """One thing found: what it is called, where it is, and the piece of its text that matched."""

    key: str
    title: SafeString
    url: str
    snippet: SafeString
    detail: str = ""


@dataclass(frozen=True)
class Section:
    name: str | Promise
    slug: str
    hits: list[Hit]
    more: bool  # more hits than shown: the section's own list, filtered, holds them


@dataclass(frozen=True)
class Results:
    text: str
    fuzzy: bool
    sections: list[Section] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(section.hits for section in self.sections)


def _ticket_section(tickets: QuerySet[Ticket], text: str, *, size: int) -> tuple[Section, bool]:
    """The tickets the text finds among `tickets` (notes read too), each with the timeline entry that explains
    it when only the timeline matched, and whether they were found by forgiving a typo."""
    page, fuzzy = ranked_page(tickets.select_related("organisation"), text, notes=True, size=size)
    shown, more = page[:size], len(page) > size
    query = TextQuery.parse(text)
    query = query.fuzzier() if fuzzy else query
    marker = Highlighter(query)
    # The first matching timeline entry of each ticket found only there explains the hit.
    explained: dict[int, str] = {}
    timeline_hits = [t.pk for t in shown if getattr(t, "search_tier", 0) == 1]
    if timeline_hits:
        events = TicketEvent.objects.filter(TextMatch(EVENT_INDEX, query), ticket_id__in=timeline_hits)
        for ticket_id, body in events.order_by("created_at", "id").values_list("ticket_id", "body"):
            explained.setdefault(ticket_id, body)
    hits = [
        Hit(
            key=ticket.key,
            title=marker.mark(ticket.title),
            url=reverse("desk:ticket", args=[ticket.key]),
            snippet=marker.snippet(explained.get(ticket.pk, ticket.description)),
            detail=ticket.organisation.name,
        )
        for ticket in shown
    ]
    return Section(name=_("Tickets"), slug="tickets", hits=hits, more=more), fuzzy


def desk_search(*, actor: User, text: str, size: int = SECTION_SIZE) -> Results:
    """What the text finds among everything the member of staff may work on (notes included)."""
    text = text[:LONGEST_QUERY]
    if not TextQuery.parse(text):
        return Results(text=text, fuzzy=False)
    tickets, fuzzy = _ticket_section(desk_tickets(actor=actor), text, size=size)
    return Results(text=text, fuzzy=fuzzy, sections=[tickets])
