"""Reading knowledge articles, scoped by `permissions`: the desk's list, its overdue reviews, an article's page
with its history and versions, and the portal's list and article for one organisation. A foreign, draft,
internal or archived article is, for a customer, the same NotFound as a missing one. Each runs a constant
number of queries, whatever the number of articles, versions and files."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from picocore.cmdb.models import Component, Solution
from picocore.core.errors import NotFound
from picocore.core.fulltext import Highlighter, TextMatch, TextQuery
from picocore.core.fulltext.ranking import best_rows
from picocore.core.fulltext.vocabulary import held_words
from picocore.core.pagination import Page, keyset_page
from picocore.core.params import parse_id
from picocore.knowledge import content, permissions, states
from picocore.knowledge.choices import ArticleStatus, Audience
from picocore.knowledge.fulltext import ARTICLE_INDEX
from picocore.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleComponent,
    ArticleEvent,
    ArticleOrganisation,
    ArticleVersion,
)
from picocore.knowledge.services import needs_personal_data_check, not_found, today
from picocore.tenancy.models import Organisation, User

PAGE_SIZE = 50
DUE_LIMIT = 100
PORTAL_LIMIT = 200
TEXT_MAX = 200


def _with_relations(articles: QuerySet[Article]) -> QuerySet[Article]:
    return articles.select_related("owner").prefetch_related(
        Prefetch("chosen", ArticleOrganisation.objects.select_related("organisation").order_by("organisation__name"))
    )


@dataclass(frozen=True)
class ArticleFilters:
    """The desk list's filters; empty values filter nothing."""

    audience: str = ""
    status: str = ""
    owner_id: int | None = None
    overdue: bool = False
    text: str = ""


def _text_filter(articles: QuerySet[Article], text: str) -> QuerySet[Article]:
    """The articles whose title or text holds the words of `text` (full-text search: any form of a word, the
    last one perhaps half typed, "quoted phrases"); when none does, one typo forgiven per word."""
    query = TextQuery.parse(text, prefix_last=True)
    if not query:
        return articles.none()
    found = articles.filter(TextMatch(ARTICLE_INDEX, query))
    if not query.forgivable or found.exists():
        return found
    return articles.filter(TextMatch(ARTICLE_INDEX, query.fuzzier(known=lambda w: held_words((ARTICLE_INDEX,), w))))


def desk_article_rows(*, actor: User, filters: ArticleFilters) -> QuerySet[Article]:
    """The articles the actor reads on the desk, narrowed by `filters`: a list to order and page."""
    articles = permissions.staff_articles(Article.objects.all(), actor)
    if filters.audience in Audience.values:
        articles = articles.filter(audience=filters.audience)
    if filters.status in ArticleStatus.values:
        articles = articles.filter(status=filters.status)
    if filters.owner_id is not None:
        articles = articles.filter(owner_id=filters.owner_id)
    if filters.overdue:
        articles = articles.filter(review_due__lt=today()).exclude(status=ArticleStatus.ARCHIVED)
    if filters.text:
        articles = _text_filter(articles, filters.text[:TEXT_MAX])
    return articles


def customer_article_rows(*, actor: User) -> QuerySet[Article]:
    """The articles the actor reads in the portal of any organisation they belong to (published, customer-facing,
    for every customer or for one of theirs; never a draft, an internal or an archived one): a list to order and
    page."""
    return permissions.customer_articles_of_any(Article.objects.all(), actor)


def article_by_ref(articles: QuerySet[Article], ref: str) -> Article:
    """The article of `articles` (a list the actor may read) by id or address, as the portal's links name it, with
    its owner; NotFound — the same as for a missing one — for any other. One query."""
    pk = parse_id(ref) if ref.isdigit() else None
    if pk is not None:
        article = articles.select_related("owner").filter(pk=pk).first()
    elif 0 < len(ref) <= 80 and "\x00" not in ref:
        article = articles.select_related("owner").filter(slug=ref).first()
    else:
        article = None
    if article is None:
        raise not_found()
    return article


def desk_articles(*, actor: User, filters: ArticleFilters, cursor: str | None = None) -> Page:
    """One page of the articles the actor reads on the desk, last changed first, with their owners and chosen
    organisations. Two queries (one when the page is empty), whatever the number of articles."""
    articles = desk_article_rows(actor=actor, filters=filters)
    page = keyset_page(articles, field="updated_at", descending=True, cursor=cursor, size=PAGE_SIZE,
                       related=("owner",))  # fmt: skip
    if page.rows:
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(
            page.rows,
            Prefetch(
                "chosen", ArticleOrganisation.objects.select_related("organisation").order_by("organisation__name")
            ),
        )
    return page


def articles_due_for_review(*, actor: User) -> list[Article]:
    """The articles (not archived) whose review is due today or earlier, the most overdue first, that the actor
    reads on the desk. One query."""
    articles = permissions.staff_articles(Article.objects.select_related("owner"), actor)
    return list(
        articles.filter(review_due__lte=today())
        .exclude(status=ArticleStatus.ARCHIVED)
        .order_by("review_due", "id")[:DUE_LIMIT]
    )


def article_owners() -> list[tuple[int, str]]:
    """The people who may own an article, by name. One query."""
    return list(
        User.objects.filter(is_active=True, staff_role__in=permissions.WRITERS)
        .order_by("full_name", "id")
        .values_list("id", "full_name")
    )


def choosable_organisations(*, actor: User) -> list[tuple[int, str]]:
    """The organisations the actor may make an article for: those they serve. One query."""
    from picocore.tenancy.scope import served_organisations

    if not permissions.is_writer(actor):
        return []
    return list(served_organisations(actor).order_by("name").values_list("id", "name"))


def choosable_components(*, organisation_ids: list[int]) -> list[Component]:
    """The components of these organisations, by solution, environment and name. One query."""
    if not organisation_ids:
        return []
    return list(
        Component.objects.filter(organisation_id__in=sorted(organisation_ids))
        .select_related("environment__solution", "organisation")
        .order_by("organisation__name", "environment__solution__name", "environment__kind", "name")
    )


def _staff_article(actor: User, article_id: int) -> tuple[Article, list[ArticleOrganisation]]:
    article = (
        _with_relations(Article.objects.select_related("source_ticket__requester", "source_ticket__organisation",
                                                       "published_version", "personal_data_checked_by"))
        .filter(pk=article_id)
        .first()
        if isinstance(article_id, int)
        else None
    )  # fmt: skip
    if article is None:
        raise not_found()
    chosen = list(article.chosen.all())
    if not permissions.can_read_as_staff(actor, article, [row.organisation_id for row in chosen]):
        raise not_found()
    return article, chosen


@dataclass(frozen=True)
class ArticleDetail:
    """Everything the desk's article page shows."""

    article: Article
    organisations: list[Organisation]
    components: list[Component]
    versions: list[ArticleVersion]
    events: list[ArticleEvent]
    attachments: list[ArticleAttachment]
    may_edit: bool
    moves: tuple[str, ...]
    overdue: bool
    personal_data: list[content.Finding] = field(default_factory=list)
    needs_personal_data_check: bool = False


def personal_data_terms(article: Article) -> list[tuple[str, str]]:
    """The source ticket's personal data to look for in the article: the requester's name (and each part of it),
    e-mail address and the customer's name."""
    ticket = article.source_ticket
    if ticket is None:
        return []
    terms: list[tuple[str, str]] = []
    requester = ticket.requester
    if requester is not None:
        if requester.full_name:
            terms.append((_("The requester's name"), requester.full_name))
            parts = requester.full_name.split()
            if len(parts) > 1:
                terms += [(_("Part of the requester's name"), part) for part in parts]
        if requester.email:
            terms.append((_("The requester's e-mail address"), requester.email))
    terms.append((_("The customer's name"), ticket.organisation.name))
    return terms


def article_detail(*, actor: User, article_id: int) -> ArticleDetail:
    """The article the actor reads on the desk with its organisations, components, versions, history and files,
    what they may do to it, and (for one made from a ticket) the personal data its text still holds. Six
    queries, whatever the number of versions and files."""
    article, chosen = _staff_article(actor, article_id)
    organisation_ids = [row.organisation_id for row in chosen]
    components = [
        row.component
        for row in ArticleComponent.objects.filter(article=article)
        .select_related("component__environment__solution")
        .order_by("component__environment__solution__name", "component__name")
    ]
    versions = list(
        ArticleVersion.objects.filter(article=article).select_related("author").defer("body_html", "body_text")
        .order_by("-number")
    )  # fmt: skip
    events = list(ArticleEvent.objects.filter(article=article).select_related("actor").order_by("-created_at", "-id"))
    attachments = list(ArticleAttachment.objects.filter(article=article).order_by("created_at", "id"))
    may_edit = permissions.can_edit(actor, article, organisation_ids)
    findings = []
    if article.source_ticket_id is not None:
        # Each part of a name is looked for only where the whole name is not what was found.
        findings = content.find_terms(f"{article.title}\n{article.body_text}", personal_data_terms(article))
    overdue = bool(article.review_due and article.review_due < today() and article.status != ArticleStatus.ARCHIVED)
    return ArticleDetail(
        article=article, organisations=[row.organisation for row in chosen], components=components,
        versions=versions, events=events, attachments=attachments, may_edit=may_edit,
        moves=states.moves_from(article.status) if may_edit else (), overdue=overdue, personal_data=findings,
        needs_personal_data_check=needs_personal_data_check(article),
    )  # fmt: skip


def article_for_edit(*, actor: User, article_id: int) -> tuple[Article, list[int], list[int]]:
    """The article with its chosen organisations' and components' ids, for the edit form. Three queries."""
    article, chosen = _staff_article(actor, article_id)
    component_ids = sorted(ArticleComponent.objects.filter(article=article).values_list("component_id", flat=True))
    return article, [row.organisation_id for row in chosen], component_ids


@dataclass(frozen=True)
class VersionView:
    version: ArticleVersion
    previous: ArticleVersion | None
    changes: list[content.DiffLine]


def article_version(*, actor: User, article_id: int, number: int) -> tuple[Article, VersionView]:
    """One version of the article, with what changed from the one before it. Three queries."""
    article, _chosen = _staff_article(actor, article_id)
    rows = list(
        ArticleVersion.objects.filter(article=article, number__in=[number - 1, number])
        .select_related("author")
        .order_by("number")
    )
    version = next((row for row in rows if row.number == number), None)
    if version is None:
        raise NotFound(_("This article has no such version."))
    previous = next((row for row in rows if row.number == number - 1), None)
    before = f"{previous.title}\n\n{previous.body_text}" if previous else ""
    return article, VersionView(version, previous, content.diff(before, f"{version.title}\n\n{version.body_text}"))


def desk_attachment_get(*, actor: User, article_id: int, attachment_id: int) -> ArticleAttachment:
    """A file of an article the actor reads on the desk; NotFound otherwise."""
    article, _chosen = _staff_article(actor, article_id)
    attachment = ArticleAttachment.objects.filter(article=article, pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("There is no such file."))
    return attachment


# The portal.


@dataclass(frozen=True)
class PortalArticle:
    """An article as a customer reads it, with the organisation's solutions and components it applies to."""

    article: Article
    solutions: list[Solution]
    components: list[Component]
    attachments: list[ArticleAttachment] = field(default_factory=list)
    snippet: SafeString | None = None  # found by words: the piece of its text holding them, marked


@dataclass(frozen=True)
class PortalArticles:
    articles: list[PortalArticle]
    solutions: list[Solution]  # the organisation's solutions: the list's filter
    solution: Solution | None  # the chosen one
    text: str
    more: bool
    fuzzy: bool = False  # found only by forgiving a typo


def _applies(article: Article, solution: Solution, components: list[Component]) -> bool:
    if content.applies_to_product(product=article.product, version_from=article.version_from,
                                  version_to=article.version_to, solution_product=solution.product):  # fmt: skip
        return True
    return any(c.environment.solution_id == solution.pk for c in components)


def _portal_queryset(actor: User, organisation: Organisation) -> QuerySet[Article]:
    return permissions.customer_articles(Article.objects.all(), actor, organisation.pk)


def _organisation_components(article_ids: list[int], organisation: Organisation) -> dict[int, list[Component]]:
    """Per article, the components of `organisation` it applies to (never another organisation's)."""
    by_article: dict[int, list[Component]] = {}
    rows = (
        ArticleComponent.objects.filter(article_id__in=article_ids, organisation_id=organisation.pk)
        .select_related("component__environment__solution")
        .order_by("component__name")
    )
    for row in rows:
        by_article.setdefault(row.article_id, []).append(row.component)
    return by_article


def portal_articles(*, actor: User, organisation: Organisation, text: str = "",
                    solution: int | None = None) -> PortalArticles:  # fmt: skip
    """The published customer-facing articles a contact of `organisation` reads, newest first: those for every
    customer and those for the organisation, each with the organisation's solutions it applies to; optionally
    only those that apply to one of its solutions, or whose title or text holds the words of `text` (full-text
    search: any form of a word, the last one perhaps half typed, "quoted phrases", one typo forgiven when the
    exact words find nothing), then best first — title hits, then how well they match — each with a marked
    snippet. Three queries, whatever the number of articles (four or five when only a typo finds them)."""
    text = (text or "").replace("\x00", "").strip()[:TEXT_MAX]
    solutions = list(Solution.objects.filter(organisation=organisation).order_by("name"))
    chosen = next((s for s in solutions if s.pk == solution), None)
    articles = _portal_queryset(actor, organisation)
    if chosen is not None:
        name, _version = content.split_product(chosen.product)
        articles = articles.filter(
            Q(product__iexact=name) | Q(product__iexact=chosen.product)
            | Q(applies_to__component__environment__solution=chosen)
        ).distinct()  # fmt: skip
    articles = articles.defer("body_html")
    marker, fuzzy = None, False
    if text:
        rows, query = best_rows(articles, ARTICLE_INDEX, text, size=PORTAL_LIMIT, then=("-published_at", "-id"),
                                prefix_last=True)  # fmt: skip
        marker, fuzzy = Highlighter(query), query.fuzzy
    else:
        rows = list(articles.order_by("-published_at", "-id")[: PORTAL_LIMIT + 1])
    more = len(rows) > PORTAL_LIMIT
    rows = rows[:PORTAL_LIMIT]
    components = _organisation_components([a.pk for a in rows], organisation) if rows else {}
    shown = []
    for article in rows:
        mine = components.get(article.pk, [])
        applies = [s for s in solutions if _applies(article, s, mine)]
        if chosen is not None and chosen not in applies:
            continue  # the product matched by name, not its version
        snippet = marker.snippet(article.body_text) if marker is not None else None
        shown.append(PortalArticle(article=article, solutions=applies, components=mine, snippet=snippet))
    return PortalArticles(articles=shown, solutions=solutions, solution=chosen, text=text, more=more, fuzzy=fuzzy)


def _portal_article(actor: User, organisation: Organisation, ref: str | int) -> Article:
    articles = _portal_queryset(actor, organisation)
    pk = ref if isinstance(ref, int) else parse_id(ref) if isinstance(ref, str) and ref.isdigit() else None
    if pk is not None:
        article = articles.filter(pk=pk).first()
    elif isinstance(ref, str) and 0 < len(ref) <= 80 and "\x00" not in ref:
        article = articles.filter(slug=ref).first()
    else:
        article = None
    if article is None:
        raise not_found()
    return article


def portal_article_get(*, actor: User, organisation: Organisation, ref: str | int) -> PortalArticle:
    """One article (by id or address) a contact of `organisation` reads, with its files and the organisation's
    solutions and components it applies to; NotFound — the same as for a missing one — for an internal, draft
    or archived article, or one meant for other organisations. Four queries."""
    article = _portal_article(actor, organisation, ref)
    solutions = list(Solution.objects.filter(organisation=organisation).order_by("name"))
    mine = _organisation_components([article.pk], organisation).get(article.pk, [])
    attachments = list(ArticleAttachment.objects.filter(article=article).order_by("created_at", "id"))
    applies = [s for s in solutions if _applies(article, s, mine)]
    return PortalArticle(article=article, solutions=applies, components=mine, attachments=attachments)


def portal_attachment_get(*, actor: User, organisation: Organisation, ref: str | int,
                          attachment_id: int) -> ArticleAttachment:  # fmt: skip
    """A file of an article the contact reads; NotFound otherwise (as for a missing file)."""
    article = _portal_article(actor, organisation, ref)
    attachment = ArticleAttachment.objects.filter(article=article, pk=attachment_id).first()
    if attachment is None:
        raise not_found()
    return attachment


def review_overdue(article: Article, on: dt.date | None = None) -> bool:
    return bool(
        article.review_due and article.review_due < (on or today()) and article.status != ArticleStatus.ARCHIVED
    )
