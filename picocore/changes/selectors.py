"""Reading changes: the desk's list and a change's page, scoped by `tenancy.scope.restrict` (staff serving the
organisation, and its customer members; developers see none). A foreign id is the same NotFound as a missing
one. Each runs a constant number of queries, whatever the number of changes, components and events."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from picocore.changes import conflicts, permissions, risk, scheduling, states
from picocore.changes.choices import ChangeStatus, ChangeType
from picocore.changes.guards import allowed_moves, window_refusal
from picocore.changes.models import Change, ChangeComponent, ChangeEvent, PostImplementationReview
from picocore.cmdb.impact import dependants, graph_of
from picocore.cmdb.models import Component
from picocore.core.errors import NotFound
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import User
from picocore.tenancy.scope import restrict, served_organisations

LIST_LIMIT = 200
SUGGESTION_DEPTH = 2


def _not_found() -> NotFound:
    return NotFound(_("There is no such change, or it is not yours to see."))


def _changes() -> QuerySet[Change]:
    return Change.objects.select_related("organisation", "implementer", "template")


@dataclass(frozen=True)
class ChangeList:
    changes: list[Change]
    organisations: list[tuple[int, str]]  # the filter's choices: those the actor serves
    more: bool


def change_rows(
    *, actor: User, organisation: int | None = None, status: str | None = None, change_type: str | None = None
) -> QuerySet[Change]:
    """The changes the actor sees on the desk (`tenancy.scope.restrict`), optionally of one organisation, status
    or type (an unknown status or type filters nothing), with organisation, implementer and template: a list to
    order and page."""
    changes = restrict(_changes(), actor)
    if organisation is not None:
        changes = changes.filter(organisation_id=organisation)
    if status in ChangeStatus.values:
        changes = changes.filter(status=status)
    if change_type in ChangeType.values:
        changes = changes.filter(change_type=change_type)
    return changes


def change_list(
    *, actor: User, organisation: int | None = None, status: str | None = None, change_type: str | None = None
) -> ChangeList:
    """The changes the actor may see, those with a window soonest first, optionally of one organisation, status or
    type. Two queries (three for staff, with the filter's organisations), however many changes."""
    changes = change_rows(actor=actor, organisation=organisation, status=status, change_type=change_type)
    rows = list(changes.order_by("-created_at", "-id")[: LIST_LIMIT + 1])
    organisations = (
        list(served_organisations(actor).order_by("name").values_list("id", "name")) if actor.staff_role else []
    )
    return ChangeList(rows[:LIST_LIMIT], organisations, more=len(rows) > LIST_LIMIT)


def plannable_organisations(*, actor: User) -> list[tuple[int, str]]:
    """The organisations whose changes the actor may plan, by name: those they serve as staff. One query."""
    if not permissions.can_plan_any(actor):
        return []
    return list(served_organisations(actor).order_by("name").values_list("id", "name"))


def change_get(*, actor: User, change_id: int) -> Change:
    """One change the actor may see, with its confirmed components (and their environments) and its review;
    NotFound otherwise, as for a missing one."""
    change = (
        restrict(_changes(), actor)
        .select_related("ticket", "requested_by", "review")
        .prefetch_related(
            Prefetch(
                "affected",
                ChangeComponent.objects.select_related("component__environment__solution").order_by("component__name"),
            )
        )
        .filter(pk=change_id)
        .first()
        if isinstance(change_id, int)
        else None
    )
    if change is None:
        raise _not_found()
    return change


@dataclass(frozen=True)
class Suggestion:
    """A component the change may affect, not confirmed: why (the path from a confirmed component)."""

    component: Component
    path: str


@dataclass(frozen=True)
class ChangeDetail:
    change: Change
    components: list[Component]
    suggestions: list[Suggestion]
    landscape: list[Component]  # the organisation's components not confirmed, to confirm by hand
    conflicts: list[conflicts.Conflict]
    window: scheduling.WindowCheck | None
    window_problem: str
    rules: scheduling.Rules
    factors: tuple[risk.Factor, ...]
    events: list[ChangeEvent]
    review: PostImplementationReview | None
    moves: tuple[str, ...]
    may_plan: bool
    planning: bool = field(default=False)
    implementers: list[tuple[int, str]] = field(default_factory=list)
    incident_keys: list[str] = field(default_factory=list)


def implementers_for(organisation_id: int) -> list[tuple[int, str]]:
    """The people who may implement the organisation's changes: service managers and administrators, and the
    consultants of the operations teams serving it. One query."""
    serving = Q(staff_role=StaffRole.CONSULTANT, teams__kind=TeamKind.OPERATIONS, teams__organisations=organisation_id)
    return list(
        User.objects.filter(Q(staff_role__in=permissions.CAB) | serving, is_active=True)
        .distinct()
        .order_by("full_name", "id")
        .values_list("id", "full_name")
    )


def change_detail(*, actor: User, change_id: int) -> ChangeDetail:
    """Everything the desk's change page shows: the confirmed components, suggested impact (what depends on
    them, with the path — a suggestion, not attached), the organisation's other components, conflicts, the
    window against the customer's windows and freezes, the risk factors, the history, the review and the moves
    allowed. A constant number of queries."""
    change = change_get(actor=actor, change_id=change_id)
    affected = list(change.affected.all())
    components = [row.component for row in affected]
    confirmed = {c.pk for c in components}
    landscape = list(
        Component.objects.filter(organisation_id=change.organisation_id)
        .select_related("environment__solution")
        .order_by("environment__solution__name", "environment__kind", "name")
    )
    by_id = {c.pk: c for c in landscape}
    graph = graph_of([change.organisation_id])
    reached = [r for r in dependants(confirmed, SUGGESTION_DEPTH, graph=graph) if r.component_id in by_id]
    suggestions = [
        Suggestion(by_id[r.component_id], " → ".join(by_id[pk].name for pk in r.component_ids if pk in by_id))
        for r in sorted(reached, key=lambda r: (r.depth, by_id[r.component_id].name))
    ]
    rules = scheduling.rules_for(change.organisation_id, change.organisation.time_zone)
    window = None
    problem = ""
    if change.planned_start is not None and change.planned_end is not None:
        window = scheduling.check(rules, change.planned_start, change.planned_end)
        problem = window_refusal(change, window, rules)
    names = {c.pk: c.name for c in landscape}
    found = conflicts.change_conflicts(change, component_ids=sorted(confirmed), names=names, graph=graph)
    events = list(ChangeEvent.objects.filter(change=change).select_related("actor").order_by("created_at", "id"))
    try:
        review: PostImplementationReview | None = change.review
    except PostImplementationReview.DoesNotExist:
        review = None
    may_plan = permissions.can_plan(actor, change.organisation_id)
    keys = sorted(review.incidents.values_list("key", flat=True)) if review is not None else []
    return ChangeDetail(
        change=change, components=components, suggestions=suggestions,
        landscape=[c for c in landscape if c.pk not in confirmed], conflicts=found, window=window,
        window_problem=problem, rules=rules, factors=risk.factors_of(change.risk_factors), events=events,
        review=review, moves=allowed_moves(change) if may_plan else (), may_plan=may_plan,
        planning=change.status in states.PLANNING,
        implementers=implementers_for(change.organisation_id) if may_plan else [], incident_keys=keys,
    )  # fmt: skip
