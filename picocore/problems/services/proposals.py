"""Recurring incidents proposed as problems, and the service managers' decision on each proposal.

`proposals_detect` (run by the periodic task) looks at the incidents of the last `window_days` days
(`DetectorSettings`) that are evidence of no proposal yet and linked to no open problem, and finds clusters:
- the same customer and component: `min_incidents` or more incidents of one customer's component;
- else the same request type and similar titles (`picocore.problems.similarity`: Jaccard of the titles' word sets
  at `title_similarity` percent, single linkage), across customers.
A cluster that matches an open proposal joins it (the sixth incident of a component joins the proposal its first
five made; an incident whose title is similar to an open proposal's evidence of the same request type joins that
one) — it never makes a second proposal. A cluster that matches an open problem (one of its components, or a title
similar to the problem's or its incidents' of the same request type) is not proposed.

Guarantees: an incident is evidence of one proposal only, ever (a unique key), and a customer's component has at
most one open proposal (a partial unique key): running the detector twice, or twice at once, proposes nothing
twice — a run that loses the race for a cluster leaves it to the winner. A dismissed proposal is kept with its
evidence, so the same incidents are never proposed again. Accepting makes the problem with the evidence linked
(and the component named), in one transaction; only service managers (and administrators) decide.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.catalog.choices import TicketType
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied
from picocore.core.text import truncate
from picocore.problems import permissions, similarity, states
from picocore.problems.choices import ProposalBasis, ProposalStatus
from picocore.problems.history import IncidentLinked
from picocore.problems.models import (
    TITLE_MAX,
    DetectorSettings,
    Problem,
    ProblemComponent,
    ProblemIncident,
    Proposal,
    ProposalIncident,
)
from picocore.problems.services.common import record, sync_customers
from picocore.problems.services.lifecycle import problem_create
from picocore.tenancy.models import User
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    pk: int
    organisation_id: int
    component_id: int | None
    request_type_id: int
    title: str
    words: frozenset[str]


@dataclass(frozen=True)
class DetectorRun:
    proposed: int  # new proposals
    joined: int  # incidents added to open proposals


def _candidates(since: dt.datetime) -> list[Candidate]:
    in_open_problems = ProblemIncident.objects.filter(problem__status__in=states.OPEN).values("ticket_id")
    rows = (
        Ticket.objects.filter(
            ticket_type=TicketType.INCIDENT,
            created_at__gte=since,
            merged_into__isnull=True,
            problem_proposal__isnull=True,
        )
        .exclude(status=Status.CANCELLED)
        .exclude(pk__in=in_open_problems)
        .order_by("created_at", "id")
        .values_list("pk", "organisation_id", "component_id", "request_type_id", "title")
    )
    return [Candidate(*row, words=similarity.words(row[4])) for row in rows]


@dataclass(frozen=True)
class _OpenProblems:
    components: frozenset[int]
    titles: dict[int | None, list[frozenset[str]]]  # by request type; None: a problem's own title, for every type


def _open_problems() -> _OpenProblems:
    components = set(
        ProblemComponent.objects.filter(problem__status__in=states.OPEN).values_list("component_id", flat=True)
    )
    titles: dict[int | None, list[frozenset[str]]] = defaultdict(list)
    incidents = ProblemIncident.objects.filter(problem__status__in=states.OPEN).values_list(
        "ticket__component_id", "ticket__request_type_id", "ticket__title"
    )
    for component_id, request_type_id, title in incidents:
        if component_id is not None:
            components.add(component_id)
        titles[request_type_id].append(similarity.words(title))
    for title in Problem.objects.filter(status__in=states.OPEN).values_list("title", flat=True):
        titles[None].append(similarity.words(title))
    return _OpenProblems(frozenset(components), titles)


def _add(proposal: Proposal, members: list[Candidate]) -> int:
    """Add incidents to an open proposal's evidence; one taken meanwhile by a concurrent run is skipped."""
    made = ProposalIncident.objects.bulk_create(
        [ProposalIncident(proposal=proposal, ticket_id=c.pk, organisation_id=c.organisation_id) for c in members],
        ignore_conflicts=True,
    )
    Proposal.objects.filter(pk=proposal.pk).update(updated_at=now())
    return len(made)


def _propose(members: list[Candidate], **fields: object) -> bool:
    """A new proposal with `members` as its evidence; False when a concurrent run proposed them first."""
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(**fields)
            ProposalIncident.objects.bulk_create(
                [ProposalIncident(proposal=proposal, ticket_id=c.pk, organisation_id=c.organisation_id)
                 for c in members]
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def _by_component(candidates: list[Candidate], settings: DetectorSettings, problems: _OpenProblems
                  ) -> tuple[int, int, set[int]]:  # fmt: skip
    """The component pass: (proposed, joined, the incidents it used)."""
    groups: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.component_id is not None and candidate.component_id not in problems.components:
            groups[(candidate.organisation_id, candidate.component_id)].append(candidate)
    open_ = {
        p.component_id: p
        for p in Proposal.objects.filter(
            status=ProposalStatus.OPEN, basis=ProposalBasis.COMPONENT, component_id__in=sorted(c for _o, c in groups)
        )
    }
    names = dict(Component.objects.filter(pk__in=sorted(c for _o, c in groups)).values_list("pk", "name"))
    proposed = joined = 0
    used: set[int] = set()
    for (organisation_id, component_id), members in groups.items():
        if component_id in open_:
            joined += _add(open_[component_id], members)
        elif len(members) >= settings.min_incidents:
            title = truncate(f"{names.get(component_id, '')}: {members[0].title}", TITLE_MAX)
            if not _propose(members, basis=ProposalBasis.COMPONENT, organisation_id=organisation_id,
                            component_id=component_id, title=title):  # fmt: skip
                continue
            proposed += 1
        else:
            continue
        used.update(c.pk for c in members)
    return proposed, joined, used


def _by_title(candidates: list[Candidate], settings: DetectorSettings, problems: _OpenProblems) -> tuple[int, int]:
    """The title pass over the incidents the component pass left: (proposed, joined)."""
    threshold = settings.title_similarity
    groups: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        known = problems.titles.get(candidate.request_type_id, []) + problems.titles.get(None, [])
        if candidate.words and not any(similarity.similar(candidate.words, w, threshold) for w in known):
            groups[candidate.request_type_id].append(candidate)
    evidence: dict[int, dict[int, list[frozenset[str]]]] = defaultdict(lambda: defaultdict(list))
    proposals: dict[int, Proposal] = {}
    rows = ProposalIncident.objects.filter(
        proposal__status=ProposalStatus.OPEN, proposal__basis=ProposalBasis.TITLE,
        proposal__request_type_id__in=sorted(groups),
    ).values_list("proposal_id", "proposal__request_type_id", "ticket__title")  # fmt: skip
    for proposal_id, request_type_id, title in rows:
        evidence[request_type_id][proposal_id].append(similarity.words(title))
    if rows:
        proposals = {p.pk: p for p in Proposal.objects.filter(pk__in=sorted({r[0] for r in rows}))}
    proposed = joined = 0
    for request_type_id, members in groups.items():
        joining: dict[int, list[Candidate]] = defaultdict(list)
        rest = []
        for candidate in members:
            match = next(
                (pk for pk, sets in sorted(evidence[request_type_id].items())
                 if any(similarity.similar(candidate.words, w, threshold) for w in sets)),
                None,
            )  # fmt: skip
            if match is None:
                rest.append(candidate)
            else:
                joining[match].append(candidate)
        for proposal_id, joiners in joining.items():
            joined += _add(proposals[proposal_id], joiners)
        for indexes in similarity.clusters([c.words for c in rest], threshold):
            cluster = [rest[i] for i in indexes]
            if len(cluster) >= settings.min_incidents and _propose(
                cluster, basis=ProposalBasis.TITLE, request_type_id=request_type_id,
                title=truncate(cluster[0].title, TITLE_MAX),
            ):  # fmt: skip
                proposed += 1
    return proposed, joined


def proposals_detect(*, at: dt.datetime | None = None) -> DetectorRun:
    """One run of the detector, as the module says (the system's own work: no actor)."""
    settings = DetectorSettings.current()
    if not settings.active:
        return DetectorRun(0, 0)
    since = (at or now()) - dt.timedelta(days=settings.window_days)
    candidates = _candidates(since)
    problems = _open_problems()
    proposed, joined, used = _by_component(candidates, settings, problems)
    more, also = _by_title([c for c in candidates if c.pk not in used], settings, problems)
    return DetectorRun(proposed + more, joined + also)


def _decidable(actor: User, proposal_id: object) -> Proposal:
    if not permissions.may_decide_proposals(actor):
        raise PermissionDenied(_("Only service managers decide proposed problems."))
    proposal = (
        Proposal.objects.select_for_update(of=("self",)).select_related("component").filter(pk=proposal_id).first()
        if isinstance(proposal_id, int)
        else None
    )
    if proposal is None:
        raise NotFound(_("There is no such proposal."))
    if proposal.status != ProposalStatus.OPEN:
        raise InvalidTransition(
            _("This proposal was already %(status)s.") % {"status": proposal.get_status_display().lower()}
        )
    return proposal


def proposal_accept(*, actor: User, proposal_id: int) -> Problem:
    """Make the proposed problem, with the evidence linked (and, for a component, the component named)."""
    with transaction.atomic():
        proposal = _decidable(actor, proposal_id)
        evidence = list(
            ProposalIncident.objects.filter(proposal=proposal).select_related("ticket").order_by("ticket__created_at",
                                                                                                 "ticket_id")
        )  # fmt: skip
        keys = ", ".join(row.ticket.key for row in evidence)
        description = _("Proposed by the recurring-incident detector (%(why)s): %(keys)s.") % {
            "why": proposal.get_basis_display().lower(), "keys": keys,
        }  # fmt: skip
        problem = problem_create(actor=actor, title=proposal.title, description=description,
                                 proposal=str(proposal.pk))  # fmt: skip
        ProblemIncident.objects.bulk_create(
            [ProblemIncident(problem=problem, ticket_id=row.ticket_id, organisation_id=row.organisation_id,
                             linked_by=actor) for row in evidence]
        )  # fmt: skip
        if proposal.component_id is not None and proposal.organisation_id is not None:
            ProblemComponent.objects.create(problem=problem, component_id=proposal.component_id,
                                            organisation_id=proposal.organisation_id, added_by=actor)  # fmt: skip
        sync_customers(problem)
        for row in evidence:
            record(problem, IncidentLinked(ticket=row.ticket.key), actor=actor)
        proposal.status, proposal.problem = ProposalStatus.ACCEPTED, problem
        proposal.decided_by, proposal.decided_at = actor, now()
        proposal.save(update_fields=["status", "problem", "decided_by", "decided_at"])
    return problem


def proposal_dismiss(*, actor: User, proposal_id: int) -> Proposal:
    """Dismiss the proposal: kept with its evidence, so these incidents are not proposed again."""
    with transaction.atomic():
        proposal = _decidable(actor, proposal_id)
        proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.DISMISSED, actor, now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal
