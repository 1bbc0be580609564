"""What the desk reads of a customer's landscape beside its tickets and changes: the landscape panel of a ticket
page and the component page. Each reads a constant number of queries, whatever the size of the landscape.

The panel suggests; it never attaches. A suggested component (a dependant of the ticket's component, with the
path of integrations that makes it one) becomes affected only when a person confirms it
(`picocore.tickets.services.impact`).
"""

from dataclasses import dataclass, field

from django.db.models import Q

from picocore.changes.choices import ChangeStatus
from picocore.changes.models import ChangeComponent
from picocore.cmdb import selectors as cmdb
from picocore.cmdb.impact import DEFAULT_DEPTH, Graph, Hop, Reached, dependants, dependencies, graph_of, neighbours
from picocore.cmdb.models import Component, RunbookVersion
from picocore.core.clock import now
from picocore.tenancy.models import User
from picocore.tickets.choices import OPEN_STATUSES
from picocore.tickets.models import Ticket, TicketImpact

PLANNED_STATUSES = (
    ChangeStatus.ASSESSMENT,
    ChangeStatus.AWAITING_APPROVAL,
    ChangeStatus.SCHEDULED,
    ChangeStatus.IMPLEMENTING,
)
LIST_LIMIT = 10
CANDIDATE_LIMIT = 40


@dataclass(frozen=True)
class Linked:
    """A neighbour one integration away: `hop` is the integration; `depends_on_it` when the neighbour depends on
    the component (downstream), else the component depends on the neighbour."""

    component: Component
    hop: Hop
    depends_on_it: bool


@dataclass(frozen=True)
class Suggestion:
    """A component that may be affected, because of `path` (the integrations from the ticket's component)."""

    component: Component
    reached: Reached
    path: list[tuple[str, Component]]  # each integration's name, and the component it leads to
    confirmed: bool

    @property
    def reason(self) -> str:
        return " → ".join(f"{name} → {component.name}" for name, component in self.path)


@dataclass
class TicketPanel:
    """The landscape panel beside a ticket: its component (with its environment and current runbook number),
    the neighbours one hop away, open tickets and planned changes on them, suggested impact (not attached) and
    the components a person confirmed. Without a component: the ticket environment's components to choose."""

    component: Component | None
    upstream: list[Linked] = field(default_factory=list)
    downstream: list[Linked] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    confirmed: list[TicketImpact] = field(default_factory=list)
    candidates: list[Component] = field(default_factory=list)
    open_tickets: list[Ticket] = field(default_factory=list)
    planned_changes: list[ChangeComponent] = field(default_factory=list)

    @property
    def confirmed_ids(self) -> set[int]:
        return {impact.component_id for impact in self.confirmed}


def _open_tickets(component_ids: list[int], *, exclude: int | None = None) -> list[Ticket]:
    tickets = Ticket.objects.filter(component_id__in=component_ids, status__in=OPEN_STATUSES)
    if exclude is not None:
        tickets = tickets.exclude(pk=exclude)
    return list(
        tickets.select_related("component")
        .only("key", "title", "priority", "status", "component__name")
        .order_by("-updated_at", "-id")[:LIST_LIMIT]
    )


def _planned_changes(component_ids: list[int]) -> list[ChangeComponent]:
    return list(
        ChangeComponent.objects.filter(component_id__in=component_ids, change__status__in=PLANNED_STATUSES)
        .filter(Q(change__planned_end__isnull=True) | Q(change__planned_end__gte=now()))
        .select_related("change", "component")
        .only(
            "component__name", "change__number", "change__title", "change__status", "change__planned_start",
            "change__planned_end", "change__organisation_id",
        )
        .order_by("change__planned_start", "change_id")[:LIST_LIMIT]
    )  # fmt: skip


def _path(reached: Reached, components: dict[int, Component]) -> list[tuple[str, Component]]:
    ids = reached.component_ids
    return [(hop.name, components[ids[n + 1]]) for n, hop in enumerate(reached.path)]


def _linked(graph: Graph, component_id: int, components: dict[int, Component]) -> tuple[list[Linked], list[Linked]]:
    up, down = neighbours(component_id, graph)
    return (
        [Linked(components[hop.upstream], hop, depends_on_it=False) for hop in up],
        [Linked(components[hop.downstream], hop, depends_on_it=True) for hop in down],
    )


def ticket_panel(ticket: Ticket, *, depth: int = DEFAULT_DEPTH) -> TicketPanel:
    """The panel for a ticket the caller may work on (its page checked that). Five queries with a component
    (confirmed impact, integrations, components, open tickets, planned changes); two without one (confirmed
    impact, the environment's components)."""
    confirmed = list(
        TicketImpact.objects.filter(ticket=ticket).select_related("component").order_by("confirmed_at", "id")
    )
    if ticket.component_id is None:
        candidates = Component.objects.filter(organisation_id=ticket.organisation_id)
        if ticket.environment_id is not None:
            candidates = candidates.filter(environment_id=ticket.environment_id)
        rows = list(candidates.select_related("environment__solution").order_by("name", "id")[:CANDIDATE_LIMIT])
        return TicketPanel(component=None, confirmed=confirmed, candidates=rows)
    graph = graph_of([ticket.organisation_id])
    reached = dependants([ticket.component_id], depth, graph=graph)
    up, down = neighbours(ticket.component_id, graph)
    ids = {ticket.component_id, *(r.component_id for r in reached), *(h.upstream for h in up)}
    components = cmdb.components_by_id(sorted(ids))
    component = components[ticket.component_id]
    upstream, downstream = _linked(graph, ticket.component_id, components)
    confirmed_ids = {impact.component_id for impact in confirmed}
    suggestions = [
        Suggestion(components[r.component_id], r, _path(r, components), r.component_id in confirmed_ids)
        for r in reached
    ]
    near = sorted({ticket.component_id, *(h.upstream for h in up), *(h.downstream for h in down)})
    return TicketPanel(
        component=component,
        upstream=upstream,
        downstream=downstream,
        suggestions=suggestions,
        confirmed=confirmed,
        open_tickets=_open_tickets(near, exclude=ticket.pk),
        planned_changes=_planned_changes(near),
    )


@dataclass(frozen=True)
class ComponentPage:
    """A component with its runbook (the current version first), what depends on it (with paths), what it
    depends on, its open tickets and the planned changes on it."""

    component: Component
    runbooks: list[RunbookVersion]
    upstream: list[Linked]
    downstream: list[Linked]
    dependants: list[Suggestion]
    dependencies: list[Suggestion]
    open_tickets: list[Ticket]
    planned_changes: list[ChangeComponent]

    @property
    def runbook(self) -> RunbookVersion | None:
        return self.runbooks[0] if self.runbooks else None


def component_page(*, actor: User, component_id: int, depth: int = DEFAULT_DEPTH) -> ComponentPage:
    """The desk's component page for the staff serving its organisation; NotFound otherwise. Six queries."""
    component = cmdb.component_get(actor=actor, component_id=component_id)
    graph = graph_of([component.organisation_id])
    down_reached = dependants([component.pk], depth, graph=graph)
    up_reached = dependencies([component.pk], depth, graph=graph)
    ids = {r.component_id for r in (*down_reached, *up_reached)}
    components = {**cmdb.components_by_id(sorted(ids)), component.pk: component}
    upstream, downstream = _linked(graph, component.pk, components)
    return ComponentPage(
        component=component,
        runbooks=cmdb.runbook_history(component),
        upstream=upstream,
        downstream=downstream,
        dependants=[Suggestion(components[r.component_id], r, _path(r, components), False) for r in down_reached],
        dependencies=[Suggestion(components[r.component_id], r, _path(r, components), False) for r in up_reached],
        open_tickets=_open_tickets([component.pk]),
        planned_changes=_planned_changes([component.pk]),
    )
