"""The desk's one search over everything a member of staff may work on — tickets (with their timeline, notes
included), problems and knowledge articles, each section read through the same scope as its list — and the
customer's search of the knowledge base: the articles and the known issues meant for their organisation.
(Customers search their requests through the request list's filter.)

A search runs a fixed number of queries whatever the data: for tickets, an existence check of the exact
words (a typo is forgiven only when they find nothing), one page of hits, and one read of the timeline
entries that explain the ticket hits; for problems and articles, one page of hits each (one or two more when
only a typo finds them). Each section forgives a typo on its own, and says so.
"""

import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from picocore.core.fulltext import Highlighter, TextMatch, TextQuery
from picocore.core.fulltext.ranking import best_rows
from picocore.knowledge.fulltext import ARTICLE_INDEX
from picocore.knowledge.models import Article
from picocore.knowledge.permissions import staff_articles
from picocore.knowledge.selectors import PortalArticles, portal_articles
from picocore.problems.fulltext import KNOWN_ISSUE_INDEX, PROBLEM_INDEX
from picocore.problems.models import Problem
from picocore.problems.permissions import visible_problems
from picocore.problems.selectors import KnownIssue, as_known_issue, known_issue_rows
from picocore.tenancy.models import Organisation, User
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
    fuzzy: bool = False  # found only by forgiving a typo


@dataclass(frozen=True)
class Results:
    text: str
    sections: list[Section] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(section.hits for section in self.sections)

    @property
    def fuzzy(self) -> bool:
        """Nothing holds the words exactly: every hit was found by forgiving a typo."""
        found = [section for section in self.sections if section.hits]
        return bool(found) and all(section.fuzzy for section in found)


def _ticket_section(tickets: QuerySet[Ticket], text: str, *, size: int) -> Section:
    """The tickets the text finds among `tickets` (notes read too), each with the timeline entry that explains
    it when only the timeline matched."""
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
    return Section(name=_("Tickets"), slug="tickets", hits=hits, more=more, fuzzy=fuzzy)


_PROBLEM_KEY = re.compile(r"PRB-([0-9]{1,18})", re.IGNORECASE)


def _problem_section(problems: QuerySet[Problem], text: str, *, size: int) -> Section:
    """The problems the text finds among `problems` by their title, description, root cause and workaround (the
    staff's index), title hits first; the one whose key it is ("PRB-12") before them."""
    found, query = best_rows(problems, PROBLEM_INDEX, text, size=size, then=("-updated_at", "-id"))
    key = _PROBLEM_KEY.fullmatch(text.strip())
    if key:
        keyed = list(problems.filter(number=int(key.group(1))))
        found = keyed + [p for p in found if p not in keyed]
    marker = Highlighter(query)
    hits = [
        Hit(
            key=problem.key,
            title=marker.mark(problem.title),
            url=reverse("desk:problem", args=[problem.pk]),
            snippet=marker.snippet(" ".join((problem.description, problem.root_cause, problem.workaround))),
            detail=str(problem.get_status_display()),
        )
        for problem in found[:size]
    ]
    return Section(name=_("Problems"), slug="problems", hits=hits, more=len(found) > size, fuzzy=query.fuzzy)


def _article_section(articles: QuerySet[Article], text: str, *, size: int) -> Section:
    """The articles the text finds among `articles` by their title and text, title hits first."""
    found, query = best_rows(articles.defer("body_html"), ARTICLE_INDEX, text, size=size, then=("-updated_at", "-id"))
    marker = Highlighter(query)
    hits = [
        Hit(
            key="",
            title=marker.mark(article.title),
            url=reverse("desk:article", args=[article.pk]),
            snippet=marker.snippet(article.body_text),
            detail=f"{article.get_audience_display()} · {article.get_status_display()}",
        )
        for article in found[:size]
    ]
    return Section(name=_("Articles"), slug="articles", hits=hits, more=len(found) > size, fuzzy=query.fuzzy)


def desk_search(*, actor: User, text: str, size: int = SECTION_SIZE) -> Results:
    """What the text finds among everything the member of staff may work on (notes included): tickets, problems
    and articles, each through the scope of its own list (`desk_tickets`, `visible_problems`,
    `staff_articles`), so a search never finds what the person could not open."""
    text = text[:LONGEST_QUERY]
    if not TextQuery.parse(text):
        return Results(text=text)
    tickets = _ticket_section(desk_tickets(actor=actor), text, size=size)
    problems = _problem_section(visible_problems(actor), text, size=size)
    articles = _article_section(staff_articles(Article.objects.all(), actor), text, size=size)
    return Results(text=text, sections=[tickets, problems, articles])


# The portal's knowledge base.

KNOWN_ISSUES_SHOWN = 10


@dataclass(frozen=True)
class KnownIssueHit:
    """A known issue the customer's words found, its title and a piece of its text with the words marked."""

    issue: KnownIssue
    title: SafeString
    snippet: SafeString


@dataclass(frozen=True)
class PortalKnowledge:
    """The knowledge base page: the articles (filtered and found as `portal_articles` says) and, when words were
    given, the known issues of the organisation they find, best first."""

    listing: PortalArticles
    known_issues: list[KnownIssueHit]
    more_known_issues: bool
    fuzzy: bool  # the known issues were found only by forgiving a typo


def portal_knowledge(*, actor: User, organisation: Organisation, text: str = "",
                     solution: int | None = None) -> PortalKnowledge:  # fmt: skip
    """What a contact of `organisation` reads in the knowledge base, and what their words find there: the articles
    meant for them and, with words, the published known issues of the problems affecting the organisation —
    read from the known issue's own index, never from the problem's title, description, root cause or
    workaround. Nothing of another organisation. The queries of `portal_articles`, and with words one more (two
    or three when only a typo finds the known issues)."""
    listing = portal_articles(actor=actor, organisation=organisation, text=text, solution=solution)
    if not listing.text:
        return PortalKnowledge(listing=listing, known_issues=[], more_known_issues=False, fuzzy=False)
    rows = known_issue_rows(actor=actor, organisation=organisation).only(
        "pk", "status", "known_issue_title", "known_issue_text", "known_issue_published_at", "updated_at"
    )
    found, query = best_rows(rows, KNOWN_ISSUE_INDEX, listing.text, size=KNOWN_ISSUES_SHOWN,
                             then=("-updated_at", "-id"), prefix_last=True)  # fmt: skip
    marker = Highlighter(query)
    hits = [
        KnownIssueHit(
            issue=as_known_issue(problem),
            title=marker.mark(problem.known_issue_title),
            snippet=marker.snippet(problem.known_issue_text),
        )
        for problem in found[:KNOWN_ISSUES_SHOWN]
    ]
    return PortalKnowledge(listing=listing, known_issues=hits, more_known_issues=len(found) > KNOWN_ISSUES_SHOWN,
                           fuzzy=query.fuzzy)  # fmt: skip
