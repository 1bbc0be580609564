"""Reading problems, proposals and known issues, scoped by `picocore.problems.permissions`: the desk's list and a
problem's page (of a problem spanning customers, only the parts of the customers the actor serves), the
proposals, and the portal's known issues — a customer sees the known issues of the problems affecting their own
organisation, and nothing else. A foreign or missing id is the same NotFound. Each runs a constant number of
queries, whatever the number of problems, incidents, components and events."""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from picocore.catalog.choices import TicketType
from picocore.cmdb.models import Component
from picocore.core.errors import NotFound
from picocore.core.pagination import Page, keyset_page
from picocore.problems import permissions, states
from picocore.problems.choices import ProblemStatus, ProposalStatus
from picocore.problems.errors import ProblemNotFound
from picocore.problems.fixes import change_completed
from picocore.problems.history import Entry, entry_of
from picocore.problems.models import (
    AffectedCustomer,
    Problem,
    ProblemComponent,
    ProblemEvent,
    ProblemIncident,
    Proposal,
    ProposalIncident,
    WorkaroundDelivery,
)
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import reach, served_organisations
from picocore.tickets.choices import OPEN_STATUSES
from picocore.tickets.models import Ticket

PAGE_SIZE = 50
_PROBLEM_KEY = re.compile(r"(?:PRB-)?([0-9]{1,18})", re.IGNORECASE)
PROPOSALS_LIMIT = 100


def _not_found() -> NotFound:
    return ProblemNotFound(_("There is no such problem, or it is not yours to see."))


@dataclass(frozen=True)
class ProblemFilters:
    status: str = ""
    owner: int | None = None
    organisation: int | None = None


@dataclass(frozen=True)
class ProblemRow:
    problem: Problem
    incidents: int  # linked incidents the actor sees
    open_incidents: int
    customers: list[str]  # the affected customers the actor serves, by name


def problem_rows(*, actor: User, filters: ProblemFilters) -> QuerySet[Problem]:
    """The problems the actor may see, narrowed by `filters`, with their owner and each one's counts of linked
    incidents (`incident_count`, `open_count`: only those of customers the actor serves): a list to order and
    page, one query a page."""
    problems = permissions.visible_problems(actor)
    if filters.status in ProblemStatus.values:
        problems = problems.filter(status=filters.status)
    if filters.owner is not None:
        problems = problems.filter(owner_id=filters.owner)
    if filters.organisation is not None:
        problems = problems.filter(customers__organisation_id=filters.organisation)
    links = ProblemIncident.objects.filter(permissions.scoped(actor), problem=OuterRef("pk")).order_by()
    counted = links.values("problem").annotate(n=Count("pk")).values("n")
    open_counted = links.filter(ticket__status__in=OPEN_STATUSES).values("problem").annotate(n=Count("pk")).values("n")
    return problems.annotate(
        incident_count=Coalesce(Subquery(counted), 0), open_count=Coalesce(Subquery(open_counted), 0)
    ).select_related("owner")


def affected_customers(*, actor: User, problem_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Per problem, its affected customers that the actor serves, as (slug, name) by name. One query (none for no
    problems)."""
    found: dict[int, list[tuple[str, str]]] = {}
    if not problem_ids:
        return found
    customers = (
        AffectedCustomer.objects.filter(permissions.scoped(actor), problem_id__in=problem_ids)
        .order_by("organisation__name")
        .values_list("problem_id", "organisation__slug", "organisation__name")
    )
    for problem_id, slug, name in customers:
        found.setdefault(problem_id, []).append((slug, name))
    return found


def problem_page(*, actor: User, filters: ProblemFilters, cursor: str | None, size: int = PAGE_SIZE
                 ) -> tuple[Page, list[ProblemRow]]:  # fmt: skip
    """One page of the problems the actor may see, most recently changed first, by keyset, with each one's counts
    of linked incidents and its affected customers (only those the actor serves). Three queries."""
    problems = problem_rows(actor=actor, filters=filters)
    page = keyset_page(problems, field="updated_at", descending=True, cursor=cursor, size=size)
    names = affected_customers(actor=actor, problem_ids=[p.pk for p in page.rows])
    rows = [
        ProblemRow(p, p.incident_count, p.open_count, [name for _slug, name in names.get(p.pk, [])]) for p in page.rows
    ]
    return page, rows


def problem_row_get(*, actor: User, problem_id: object) -> Problem:
    """One problem the actor may see, as `problem_rows` reads it (with its counts); NotFound otherwise, as for a
    missing one. One query."""
    problem = (
        problem_rows(actor=actor, filters=ProblemFilters()).filter(pk=problem_id).first()
        if isinstance(problem_id, int)
        else None
    )
    if problem is None:
        raise _not_found()
    return problem


def problem_filter_choices(*, actor: User) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The list's filter choices: the customers the actor serves and the people who may own problems. Two
    queries."""
    organisations = list(served_organisations(actor).order_by("name").values_list("id", "name"))
    return organisations, owner_choices()


def owner_choices() -> list[tuple[int, str]]:
    return list(
        User.objects.filter(staff_role__in=permissions.PROBLEM_STAFF, is_active=True)
        .order_by("full_name", "id")
        .values_list("id", "full_name")
    )


def problem_get(*, actor: User, problem_id: object) -> Problem:
    """One problem the actor may see; NotFound otherwise, as for a missing one."""
    problem = (
        permissions.visible_problems(actor).select_related("owner", "fixing_change__organisation",
                                                           "fixing_change__review").filter(pk=problem_id).first()
        if isinstance(problem_id, int)
        else None
    )  # fmt: skip
    if problem is None:
        raise _not_found()
    return problem


@dataclass(frozen=True)
class HistoryRow:
    event: ProblemEvent
    entry: Entry | None


@dataclass(frozen=True)
class ProblemDetail:
    problem: Problem
    incidents: list[ProblemIncident]  # those the actor sees
    hidden_incidents: int  # linked incidents of customers the actor does not serve
    components: list[ProblemComponent]
    customers: list[Organisation]
    hidden_customers: int
    delivered: frozenset[int]  # the incidents that have the workaround
    pending: int  # linked open incidents without it
    candidates: list[ProblemIncident]  # proposed for resolution: the fixing change is done
    landscape: list[Component]  # components of the affected customers (that the actor serves) not yet named
    history: list[HistoryRow]
    moves: tuple[str, ...]
    owners: list[tuple[int, str]] = field(default_factory=list)
    change_done: bool = False

    @property
    def known_issue_shown(self) -> bool:
        return self.problem.known_issue_published_at is not None


def problem_detail(*, actor: User, problem_id: object) -> ProblemDetail:
    """Everything the desk's problem page shows, in a constant number of queries."""
    problem = problem_get(actor=actor, problem_id=problem_id)
    scope = permissions.scoped(actor)
    links = list(
        ProblemIncident.objects.filter(problem=problem)
        .select_related("ticket__organisation", "ticket__assignee", "ticket__component")
        .order_by("ticket__created_at", "ticket_id")
    )
    served = permissions.served_ids(actor)
    visible = [link for link in links if served is None or link.organisation_id in served]
    components = list(
        ProblemComponent.objects.filter(scope, problem=problem)
        .select_related("component__environment__solution", "organisation")
        .order_by("organisation__name", "component__name")
    )
    all_customers = list(
        AffectedCustomer.objects.filter(problem=problem).select_related("organisation").order_by("organisation__name")
    )
    customers = [c.organisation for c in all_customers if served is None or c.organisation_id in served]
    delivered = frozenset(WorkaroundDelivery.objects.filter(problem=problem).values_list("ticket_id", flat=True))
    done = change_completed(problem.fixing_change)
    open_links = [link for link in links if link.ticket.status in OPEN_STATUSES]
    named = {c.component_id for c in components}
    landscape = [
        c
        for c in Component.objects.filter(organisation_id__in=[o.pk for o in customers])
        .select_related("environment__solution", "organisation")
        .order_by("organisation__name", "environment__solution__name", "name")
        if c.pk not in named
    ] if customers else []  # fmt: skip
    events = list(ProblemEvent.objects.filter(problem=problem).select_related("actor").order_by("-created_at", "-id"))
    return ProblemDetail(
        problem=problem, incidents=visible, hidden_incidents=len(links) - len(visible), components=components,
        customers=customers, hidden_customers=len(all_customers) - len(customers), delivered=delivered,
        pending=sum(1 for link in open_links if link.ticket_id not in delivered),
        candidates=[link for link in open_links if link in visible] if done else [], landscape=landscape,
        history=[HistoryRow(event, entry_of(event.kind, event.data)) for event in events],
        moves=states.allowed_from(problem.status), owners=owner_choices(), change_done=done,
    )  # fmt: skip


@dataclass(frozen=True)
class TicketProblems:
    """The ticket page's problem panel: the problems linked to the incident that the actor sees."""

    problems: list[Problem]


def ticket_problems(*, actor: User, ticket: Ticket) -> TicketProblems | None:
    """The problem panel of an incident's desk page; None for another kind of ticket or for anyone who does not
    work problems. One query."""
    if ticket.ticket_type != TicketType.INCIDENT or not permissions.works_on_problems(actor):
        return None
    linked = permissions.visible_problems(actor).filter(incident_links__ticket_id=ticket.pk).order_by("-number")
    return TicketProblems(list(linked))


def problem_by_key(*, actor: User, key: str) -> Problem:
    """The problem with this key as people type it ("PRB-12", "prb-12", "12") that the actor may see;
    ProblemNotFound otherwise. One query."""
    match = _PROBLEM_KEY.fullmatch(key.strip()) if isinstance(key, str) else None
    problem = permissions.visible_problems(actor).filter(number=int(match.group(1))).first() if match else None
    if problem is None:
        raise ProblemNotFound(_("There is no problem %(key)s, or it is not yours to see.") % {"key": key.strip()[:30]})
    return problem


def proposal_list(*, actor: User, status: str = ProposalStatus.OPEN) -> list[Proposal]:
    """The proposals with their evidence (for service managers; none for anyone else), latest first. Two
    queries."""
    if not permissions.may_decide_proposals(actor):
        return []
    proposals: QuerySet[Proposal] = Proposal.objects.select_related(
        "organisation", "component", "request_type", "problem", "decided_by"
    )
    if status in ProposalStatus.values:
        proposals = proposals.filter(status=status)
    evidence = ProposalIncident.objects.select_related("ticket__organisation").order_by(
        "ticket__created_at", "ticket_id"
    )
    return list(
        proposals.prefetch_related(Prefetch("evidence", evidence)).order_by("-updated_at", "-id")[:PROPOSALS_LIMIT]
    )


# The portal's known issues.


@dataclass(frozen=True)
class KnownIssue:
    """What a customer sees of a known error: its customer-facing title and text, whether it is fixed, and when it
    was published and last changed. Nothing else of the problem."""

    pk: int
    title: str
    text: str
    fixed: bool
    published_at: dt.datetime
    updated_at: dt.datetime


def _member(actor: User, organisation: Organisation) -> bool:
    signed_in = bool(getattr(actor, "is_authenticated", False) and actor.is_active)
    return signed_in and organisation.pk in reach(actor).member_of


def _known_issues(organisation_id: int) -> QuerySet[Problem]:
    return Problem.objects.filter(
        known_issue_published_at__isnull=False,
        customers__organisation_id=organisation_id,
    ).exclude(status=ProblemStatus.CLOSED)


def known_issue_rows(*, actor: User, organisation: Organisation) -> QuerySet[Problem]:
    """The problems whose known issue a member of `organisation` reads (published, not closed, affecting it); none
    for anyone else. For a search to narrow — by the known issue's own index, `KNOWN_ISSUE_INDEX`, never the
    problem's — and to show with `as_known_issue`."""
    if not _member(actor, organisation):
        return Problem.objects.none()
    return _known_issues(organisation.pk)


def as_known_issue(problem: Problem) -> KnownIssue:
    """What a customer sees of a problem whose known issue is shown to them."""
    assert problem.known_issue_published_at is not None
    return KnownIssue(
        pk=problem.pk, title=problem.known_issue_title, text=problem.known_issue_text,
        fixed=problem.status == ProblemStatus.RESOLVED, published_at=problem.known_issue_published_at,
        updated_at=problem.updated_at,
    )  # fmt: skip


def portal_known_issues(*, actor: User, organisation: Organisation) -> list[KnownIssue]:
    """The published known issues of the problems affecting `organisation` (through a linked incident or an
    affected component), for a member of it; the open ones first, then by latest change. Nothing for anyone else.
    One query."""
    if not _member(actor, organisation):
        return []
    problems = _known_issues(organisation.pk).order_by("-updated_at", "-id")
    rows = list(problems.only("pk", "status", "known_issue_title", "known_issue_text", "known_issue_published_at",
                              "updated_at"))  # fmt: skip
    return sorted((as_known_issue(p) for p in rows), key=lambda k: k.fixed)


def customer_known_issue_rows(*, actor: User) -> QuerySet[Problem]:
    """The problems whose known issue the actor reads as a member of any of their organisations (published, not
    closed, affecting one of them), each once: a list to order and page, shown with `as_known_issue`. None for
    anyone who belongs to no organisation."""
    signed_in = bool(getattr(actor, "is_authenticated", False) and actor.is_active)
    member_of = sorted(reach(actor).member_of) if signed_in else []
    affecting = AffectedCustomer.objects.filter(problem=OuterRef("pk"), organisation_id__in=member_of)
    return Problem.objects.filter(Exists(affecting), known_issue_published_at__isnull=False).exclude(
        status=ProblemStatus.CLOSED
    )


def customer_known_issue_get(*, actor: User, pk: object) -> KnownIssue:
    """One known issue shown to an organisation the actor belongs to; NotFound otherwise (another organisation's, a
    withdrawn one, a missing one alike). One query."""
    problem = customer_known_issue_rows(actor=actor).filter(pk=pk).first() if isinstance(pk, int) else None
    if problem is None:
        raise NotFound(_("There is no such known issue, or it is not shown to your organisation."))
    return as_known_issue(problem)


def portal_known_issue_get(*, actor: User, organisation: Organisation, pk: object) -> KnownIssue:
    """One known issue shown to `organisation`, for a member of it; NotFound otherwise (another organisation's, a
    withdrawn one, a missing one alike). One query."""
    problem = (
        _known_issues(organisation.pk).filter(pk=pk).first()
        if isinstance(pk, int) and _member(actor, organisation)
        else None
    )
    if problem is None:
        raise NotFound(_("There is no such known issue, or it is not shown to your organisation."))
    return as_known_issue(problem)
