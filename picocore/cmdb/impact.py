"""Impact along integrations: what depends on a component (its dependants) and what it depends on (its
dependencies), each with the path of integrations that makes it so.

An integration's target depends on its source; a two-way integration makes each depend on the other. The
organisation's integrations are read once (one query, or two when only component ids are known) and walked in
Python, breadth first: every component reached is reached by a shortest path, a landscape with a cycle
terminates (a component is visited once), and the walk stops at `depth` hops.

Suggested impact is only ever a suggestion: nothing here writes.
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from picocore.cmdb.choices import IntegrationDirection
from picocore.cmdb.models import Component, Integration

DEFAULT_DEPTH = 3
MAX_DEPTH = 10


@dataclass(frozen=True)
class Hop:
    """One integration walked: from the component depended upon (`upstream`) to the one depending on it
    (`downstream`). `against_flow` when a two-way integration is walked from its target to its source."""

    integration_id: int
    name: str
    protocol: str
    schedule: str
    upstream: int
    downstream: int
    against_flow: bool = False


@dataclass(frozen=True)
class Reached:
    """A component reached from the starting ones, `depth` hops away, by `path` (in walking order)."""

    component_id: int
    path: tuple[Hop, ...]

    @property
    def depth(self) -> int:
        return len(self.path)

    @property
    def component_ids(self) -> tuple[int, ...]:
        """Every component on the path, from the starting one to this one."""
        if not self.path:
            return (self.component_id,)
        first = self.path[0]
        downward = self.path[-1].downstream == self.component_id
        start = first.upstream if downward else first.downstream
        return (start, *(hop.downstream if downward else hop.upstream for hop in self.path))


@dataclass(frozen=True)
class Graph:
    """The dependency links of one or more organisations: for each component, the hops to those depending on
    it (`down`) and to those it depends on (`up`), in a stable order."""

    down: dict[int, tuple[Hop, ...]]
    up: dict[int, tuple[Hop, ...]]


def graph_of(organisation_ids: Iterable[int]) -> Graph:
    """The integrations of the organisations, in one query whatever their number."""
    ids = sorted(set(organisation_ids))
    rows = (
        Integration.objects.filter(organisation_id__in=ids)
        .order_by("id")
        .values_list("id", "name", "protocol", "schedule", "source_id", "target_id", "direction")
    )
    down: dict[int, list[Hop]] = {}
    up: dict[int, list[Hop]] = {}
    for pk, name, protocol, schedule, source, target, direction in rows:
        hops = [Hop(pk, name, protocol, schedule, upstream=source, downstream=target)]
        if direction == IntegrationDirection.TWO_WAY:
            hops.append(Hop(pk, name, protocol, schedule, upstream=target, downstream=source, against_flow=True))
        for hop in hops:
            down.setdefault(hop.upstream, []).append(hop)
            up.setdefault(hop.downstream, []).append(hop)
    return Graph(
        down={key: tuple(sorted(value, key=_order_down)) for key, value in down.items()},
        up={key: tuple(sorted(value, key=_order_up)) for key, value in up.items()},
    )


def _order_down(hop: Hop) -> tuple[int, int]:
    return hop.downstream, hop.integration_id


def _order_up(hop: Hop) -> tuple[int, int]:
    return hop.upstream, hop.integration_id


def _graph_for(component_ids: list[int], graph: Graph | None) -> Graph:
    if graph is not None:
        return graph
    organisations = Component.objects.filter(pk__in=component_ids).values_list("organisation_id", flat=True)
    return graph_of(set(organisations))


def _walk(starts: list[int], depth: int, links: dict[int, tuple[Hop, ...]], *, downward: bool) -> list[Reached]:
    depth = max(0, min(depth, MAX_DEPTH))
    seen = set(starts)
    paths: dict[int, tuple[Hop, ...]] = dict.fromkeys(starts, ())
    queue = deque(starts)
    reached: list[Reached] = []
    while queue:
        current = queue.popleft()
        path = paths[current]
        if len(path) >= depth:
            continue
        for hop in links.get(current, ()):
            nxt = hop.downstream if downward else hop.upstream
            if nxt in seen:
                continue
            seen.add(nxt)
            paths[nxt] = (*path, hop)
            reached.append(Reached(component_id=nxt, path=paths[nxt]))
            queue.append(nxt)
    return reached


def dependants(
    component_ids: Iterable[int], depth: int = DEFAULT_DEPTH, *, graph: Graph | None = None
) -> list[Reached]:
    """The components depending on any of `component_ids` (not those themselves), nearest first, each by a
    shortest path of integrations starting at one of them, at most `depth` hops. Two queries without `graph`
    (the components' organisations, their integrations), none with it."""
    starts = sorted(set(component_ids))
    if not starts:
        return []
    return _walk(starts, depth, _graph_for(starts, graph).down, downward=True)


def dependencies(
    component_ids: Iterable[int], depth: int = DEFAULT_DEPTH, *, graph: Graph | None = None
) -> list[Reached]:
    """The components any of `component_ids` depends on (not those themselves), nearest first, each by a
    shortest path walked upstream (`path[0].downstream` is a starting component), at most `depth` hops."""
    starts = sorted(set(component_ids))
    if not starts:
        return []
    return _walk(starts, depth, _graph_for(starts, graph).up, downward=False)


def neighbours(component_id: int, graph: Graph) -> tuple[tuple[Hop, ...], tuple[Hop, ...]]:
    """The integrations one hop away: those it depends on (`upstream` ends) and those depending on it."""
    return graph.up.get(component_id, ()), graph.down.get(component_id, ())
