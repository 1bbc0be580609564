"""What to suggest to a customer while they write a request: what they may read that matches the words typed
so far (every word, the last one perhaps half typed; when that finds nothing, any of them), best first.

The sources are the articles meant for the person, the known issues of their organisation's components and
the organisation's own finished requests the person may see (the newest `REQUEST_WINDOW` of them: what was
solved lately is what is worth suggesting, and the cost stays the same however many there are). Each is read
through the scope of its own list, a fixed number of queries whatever the data: per source, one page of hits.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString

from picocore.core.fulltext import FullTextIndex, Highlighter, TextMatch, TextQuery, TextRank
from picocore.knowledge.fulltext import ARTICLE_INDEX
from picocore.knowledge.models import Article
from picocore.knowledge.permissions import customer_articles
from picocore.problems.fulltext import KNOWN_ISSUE_INDEX
from picocore.problems.selectors import known_issue_rows
from picocore.search.choices import SuggestionKind
from picocore.tenancy.models import Organisation, User
from picocore.tickets.choices import Status
from picocore.tickets.fulltext import TICKET_INDEX
from picocore.tickets.models import Ticket
from picocore.tickets.selectors import portal_ticket_list

SUGGESTIONS = 5
SNIPPET_LENGTH = 160
DESCRIPTION_WORDS_READ = 400  # characters of the description the query reads: its opening says what it is about
REQUEST_WINDOW = 2_000  # the newest finished requests of the organisation (or the person) that are searched


@dataclass(frozen=True)
class Found:
    """One thing worth suggesting: its kind and id (what is recorded), how it reads and where it is."""

    kind: SuggestionKind
    object_id: int
    title: str
    url: str
    snippet: SafeString  # escaped, the matching words in <mark>


@dataclass(frozen=True)
class Reader:
    """Whose suggestions: the person, their organisation and whether they may see all of its requests."""

    actor: User
    organisation: Organisation
    whole_organisation: bool


Source = Callable[[Reader, TextQuery, int], list[Found]]


def _finished_requests(reader: Reader, query: TextQuery, size: int) -> list[Found]:
    tickets: QuerySet[Ticket] = portal_ticket_list(
        actor=reader.actor, organisation=reader.organisation, whole_organisation=reader.whole_organisation
    )
    # Read among the newest finished requests only, so that what is suggested as a customer types costs the
    # same for an organisation with a quarter of a million requests as for one with a hundred: the window is
    # read from the organisation's index by latest activity, each of its rows checked for the words there, and
    # only the matching ones ranked. (Checked in the window's own query: given the match as a condition, the
    # database may trust the index's guess of a handful of matches and read the window once per match.)
    window = (
        tickets.filter(status__in=(Status.RESOLVED, Status.CLOSED), merged_into__isnull=True)
        .annotate(hit=TextMatch(TICKET_INDEX, query))
        .order_by("-updated_at", "-id")
        .values_list("pk", "hit")[:REQUEST_WINDOW]
    )
    matching = [pk for pk, hit in window if hit]
    if not matching:
        return []
    found = (
        Ticket.objects.filter(pk__in=matching)
        .annotate(score=TextRank(TICKET_INDEX, query))
        .order_by("-score", "-updated_at", "-id")
        .only("id", "key", "title", "description", "updated_at")[:size]
    )
    marker = Highlighter(query)
    return [
        Found(
            kind=SuggestionKind.REQUEST,
            object_id=t.pk,
            title=f"{t.key} {t.title}",
            url=reverse("portal:request", args=[t.key]),
            snippet=marker.snippet(t.description, length=SNIPPET_LENGTH),
        )
        for t in found
    ]


def _best(rows: QuerySet[Any], index: FullTextIndex, query: TextQuery, newest: str) -> QuerySet[Any]:
    """The rows of `rows` that hold the query, best match first, then the newest by `newest`."""
    found: QuerySet[Any] = rows.filter(TextMatch(index, query)).annotate(score=TextRank(index, query))
    return found.order_by("-score", newest, "-id")


def _articles(reader: Reader, query: TextQuery, size: int) -> list[Found]:
    articles = customer_articles(Article.objects.all(), reader.actor, reader.organisation.pk)
    found = _best(articles, ARTICLE_INDEX, query, "-published_at").only("id", "slug", "title", "body_text")[:size]
    marker = Highlighter(query)
    return [
        Found(
            kind=SuggestionKind.ARTICLE,
            object_id=a.pk,
            title=a.title,
            url=reverse("portal:article", args=[a.slug]),
            snippet=marker.snippet(a.body_text, length=SNIPPET_LENGTH),
        )
        for a in found
    ]


def _known_issues(reader: Reader, query: TextQuery, size: int) -> list[Found]:
    """The known issues shown to the organisation, read by their own index (never the problem's words)."""
    problems = known_issue_rows(actor=reader.actor, organisation=reader.organisation)
    found = _best(problems, KNOWN_ISSUE_INDEX, query, "-updated_at").only(
        "id", "known_issue_title", "known_issue_text"
    )[:size]
    marker = Highlighter(query)
    return [
        Found(
            kind=SuggestionKind.KNOWN_ISSUE,
            object_id=p.pk,
            title=p.known_issue_title,
            url=reverse("portal:known_issue", args=[p.pk]),
            snippet=marker.snippet(p.known_issue_text, length=SNIPPET_LENGTH),
        )
        for p in found
    ]


# In the order they are offered: a known issue of their own solution first (it is happening now), then what
# was written to be read, the customer's own history last.
SOURCES: list[Source] = [_known_issues, _articles, _finished_requests]


def portal_suggestions(
    *, actor: User, organisation: Organisation, whole_organisation: bool, title: str, description: str = "",
    size: int = SUGGESTIONS,
) -> list[Found]:  # fmt: skip
    """Up to `size` things matching the request being written, from every source; none for fewer than one
    word. Every word must match first; when that finds nothing, any word (ranked by how many match)."""
    text = f"{title} {description[:DESCRIPTION_WORDS_READ]}".strip()
    strict = TextQuery.parse(title or text, prefix_last=True)
    if not strict:
        return []
    reader = Reader(actor=actor, organisation=organisation, whole_organisation=whole_organisation)
    for query in (strict, TextQuery.parse(text, prefix_last=not description, any_term=True)):
        found = [hit for source in SOURCES for hit in source(reader, query, size)]
        if found:
            return found[:size]
    return []
