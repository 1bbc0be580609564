"""Finding tickets by their words: title, description and timeline (replies, resolution notes, e-mails; notes
only for staff), through the full-text indexes of `picocore.tickets.fulltext`.

Every function narrows a queryset the caller has already scoped to what the person may see (`desk_tickets`,
`portal_ticket_list`): a search can only ever find less than the list it searches. Whether a typo is
forgiven is decided within that scope too (a word spelt as another organisation spells it changes nothing).
"""

from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from picocore.core.fulltext import TextMatch, TextQuery, TextRank
from picocore.core.fulltext.planning import from_the_indexes
from picocore.core.fulltext.vocabulary import held_words
from picocore.core.search import folded_contains
from picocore.core.text import without_nul
from picocore.tickets.fulltext import EVENT_INDEX, TICKET_INDEX, TITLE_SUBSTRING_INDEX
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.models import Ticket, TicketEvent


def _looser(query: TextQuery) -> TextQuery:
    """The query with a typo forgiven in each long enough word, asking only for spellings the indexes hold."""
    if not query.forgivable:
        return query
    return query.fuzzier(known=lambda words: held_words((TICKET_INDEX, EVENT_INDEX), words))


def _own_conditions(query: TextQuery, *, text: str, within_words: bool) -> list[Q]:
    """What finds a ticket by its own row: its indexed words, its key typed as `text` (any case) and, with
    `within_words`, its title holding `text` as typed (through the title's trigram index)."""
    conditions = [Q(TextMatch(TICKET_INDEX, query))]
    key = parse_ticket_key(text) if text else None
    if key:
        conditions.append(Q(key=key))
    text = without_nul(text)
    if within_words and text.strip():
        conditions.append(folded_contains("title", text.strip(), substring_index=TITLE_SUBSTRING_INDEX))
    return conditions


def _matching_events(query: TextQuery, *, notes: bool) -> QuerySet[TicketEvent]:
    events = TicketEvent.objects.filter(TextMatch(EVENT_INDEX, query))
    return events if notes else events.filter(public=True)


def _id_parts(query: TextQuery, *, notes: bool, text: str, within_words: bool) -> list[QuerySet[Any, Any]]:
    """The ids of the tickets each reading finds, one query per index (see `ticket_text_q`)."""
    words, *others = _own_conditions(query, text=text, within_words=within_words)
    parts: list[QuerySet[Any, Any]] = [
        Ticket.objects.filter(words).values("id"),
        _matching_events(query, notes=notes).values("ticket_id"),
        *(Ticket.objects.filter(other).values("id") for other in others),
    ]
    return [part.order_by() for part in parts]


def ticket_text_q(query: TextQuery, *, notes: bool, text: str = "", within_words: bool = False) -> Q:
    """Tickets whose title and description, or one of whose timeline entries (only public ones unless
    `notes`), hold the query; or whose key is `text` (any case); with `within_words`, also those whose title
    holds `text` as it was typed (any case, within words too: "skiver" finds "Æbleskiver", through the
    title's trigram index).

    One `id IN (… UNION …)` over the indexes, so that each database reads the matches from its indexes and
    then only those tickets (an OR of the conditions would make it read every ticket)."""
    first, *rest = _id_parts(query, notes=notes, text=text, within_words=within_words)
    return Q(id__in=first.union(*rest))


def _row_q(query: TextQuery, *, notes: bool, text: str, within_words: bool) -> Q:
    """The same tickets as `ticket_text_q`, as a condition on each ticket row (its own words, then whether one
    of its timeline entries holds them): what a list in its own order reads until its page is full."""
    # Asked of each ticket through its timeline's index, as a range: given an equality, the planner may instead
    # collect every matching entry of the history first (a hashed subquery) before the list reads one row.
    events = _matching_events(query, notes=notes).filter(ticket_id__gte=OuterRef("pk"), ticket_id__lte=OuterRef("pk"))
    # In this order, so that each row is asked of its own words before its timeline is read.
    words, *others = _own_conditions(query, text=text, within_words=within_words)
    condition = words | Q(Exists(events))
    for other in others:
        condition |= other
    return condition


FEW = 1_000  # tickets found in all: fewer are listed by id, more are found row by row in the list's order


def _found(query: TextQuery, *, notes: bool, text: str, within_words: bool) -> Q | None:
    """How to narrow a list to the tickets the query finds, chosen by how many hold it in all (one query that
    reads at most `FEW + 1` ids from the indexes); None when no ticket at all does.

    A rare text is the ids found: the list reads only those tickets. A common one is a condition on each row:
    a list read in its own order (a queue, newest first) fills its page after a few rows, instead of first
    collecting every ticket of the history that holds a common word."""
    first, *rest = _id_parts(query, notes=notes, text=text, within_words=within_words)
    with from_the_indexes():  # the planner may guess a prefix common in every table and read them whole
        ids = [row["id"] for row in first.union(*rest, all=True).order_by()[: FEW + 1]]
    if not ids:
        return None
    if len(ids) > FEW:
        return _row_q(query, notes=notes, text=text, within_words=within_words)
    return Q(id__in=sorted(set(ids)))


def tickets_matching(
    tickets: QuerySet[Ticket], text: str, *, notes: bool, prefix_last: bool = False
) -> tuple[QuerySet[Ticket], bool]:
    """The tickets of `tickets` the text finds, and whether they were found only by the looser reading: one
    typo forgiven per word, and the text found within the words of a title. That reading is tried when the
    exact words find none of them.

    Two to four queries before the list's own, whatever the number of tickets: how many tickets hold the words
    (`_found`) and whether the list holds one of them; then, only when it holds none, the spellings the
    looser reading asks for and how many hold those."""
    query = TextQuery.parse(text, prefix_last=prefix_last)
    if not text.strip():
        return tickets, False
    exact = _found(query, notes=notes, text=text, within_words=False)
    if exact is not None:
        found = tickets.filter(exact)
        if found.exists():
            return found, False
    looser = _looser(query)
    loose = _found(looser, notes=notes, text=text, within_words=True)
    if loose is None:
        return tickets.none(), False
    return tickets.filter(loose), looser.fuzzy


RANK_WINDOW = 1_000  # the newest tickets whose own words match that a search ranks


def _tiered(tickets: QuerySet[Ticket], query: TextQuery) -> QuerySet[Ticket]:
    tier = Case(
        When(TextMatch(TICKET_INDEX, query, title_only=True), then=Value(3)),
        When(TextMatch(TICKET_INDEX, query), then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return tickets.annotate(search_tier=tier, search_rank=TextRank(TICKET_INDEX, query)).order_by(
        "-search_tier", "-search_rank", "-updated_at", "-id"
    )


def ranked_page(tickets: QuerySet[Ticket], text: str, *, notes: bool, size: int) -> tuple[list[Ticket], bool]:
    """The best `size + 1` tickets of `tickets` the text finds (the extra one says there are more), and whether
    they were found only by forgiving a typo (the looser reading of `tickets_matching`). Best first: the words
    in the title (tier 3), in the description (2), only in the timeline or the key (1); within a tier by how
    well they match (PostgreSQL) and the latest activity. Each ticket has `search_tier`.

    The tickets whose own text matches are read from the index over the scoped list, the newest
    `RANK_WINDOW` of them ranked (one query);
    the timeline is read only when they do not fill the page, and the looser reading only when nothing was
    found: two to four queries, whatever the number of tickets."""
    exact = TextQuery.parse(text)
    for within_words in (False, True):
        # The looser reading (and the spellings it looks up) only once the exact words found nothing.
        query = _looser(exact) if within_words else exact
        # Ranked among the newest matches only: a word in a tenth of a million tickets is not worth reading
        # them all to order them, and the newest are those the desk is after.
        newest = tickets.filter(TextMatch(TICKET_INDEX, query)).order_by("-id").values("pk")[:RANK_WINDOW]
        own = list(_tiered(tickets.filter(pk__in=newest), query)[: size + 1])
        found = own
        if len(own) <= size:
            rest = (
                tickets.filter(ticket_text_q(query, notes=notes, text=text, within_words=within_words))
                .exclude(pk__in=[t.pk for t in own])
                .order_by("-updated_at", "-id")[: size + 1 - len(own)]
            )
            for ticket in rest:
                ticket.search_tier = 1  # type: ignore[attr-defined]  # as the annotated ones above
                found.append(ticket)
        if found or not text.strip():
            return found, query.fuzzy
    return [], False
