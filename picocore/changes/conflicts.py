"""Conflicts of a change's planned window with other planned changes: another change (scheduled, under way or
awaiting approval) in an overlapping window on the same component, or on a component one of this change's
depends on (up to two integrations upstream), or with the same implementer booked. Each conflict carries its
reason. Conflicts are shown, never blocking: people decide.

A constant number of queries, whatever the number of changes: the overlapping changes, their components, and
the organisation's integrations (read once and walked by `picocore.cmdb.impact`).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from picocore.changes import states
from picocore.changes.choices import ChangeStatus
from picocore.changes.models import Change, ChangeComponent
from picocore.cmdb.impact import Graph, dependencies, graph_of
from picocore.cmdb.models import Component

DEPENDENCY_DEPTH = 2
SAME_COMPONENT, DEPENDENCY, IMPLEMENTER = "component", "dependency", "implementer"
CONSIDERED = frozenset({*states.PLANNED, ChangeStatus.AWAITING_APPROVAL})


@dataclass(frozen=True)
class Conflict:
    other: Change
    kind: str
    reason: str


def overlapping(change: Change) -> list[Change]:
    """The other planned changes whose window overlaps this change's (none when it has no window yet)."""
    if change.planned_start is None or change.planned_end is None:
        return []
    return list(
        Change.objects.filter(
            status__in=sorted(CONSIDERED),
            planned_start__lt=change.planned_end,
            planned_end__gt=change.planned_start,
        )
        .exclude(pk=change.pk)
        .select_related("organisation", "implementer")
        .order_by("planned_start", "id")
    )


def _window(change: Change) -> str:
    start, end = change.planned_start, change.planned_end
    assert start is not None and end is not None
    return f"{dt.datetime.strftime(start, '%Y-%m-%d %H:%M')}–{dt.datetime.strftime(end, '%H:%M')}"


def change_conflicts(
    change: Change,
    *,
    component_ids: Sequence[int],
    names: dict[int, str] | None = None,
    graph: Graph | None = None,
) -> list[Conflict]:
    """The conflicts of `change` (whose confirmed components are `component_ids`), each with its reason.
    `names` names components for the reasons (those not given are read); `graph` is the change's organisation's
    integrations when the caller has read them (read here otherwise)."""
    others = overlapping(change)
    if not others:
        return []
    theirs: dict[int, list[int]] = {}
    for change_id, component_id in ChangeComponent.objects.filter(change__in=[o.pk for o in others]).values_list(
        "change_id", "component_id"
    ):
        theirs.setdefault(change_id, []).append(component_id)
    own = set(component_ids)
    upstream = {}
    if own:
        graph = graph if graph is not None else graph_of([change.organisation_id])
        upstream = {reached.component_id: reached for reached in dependencies(own, DEPENDENCY_DEPTH, graph=graph)}
    wanted = set(upstream) | own
    for ids in theirs.values():
        wanted.update(ids)
    names = dict(names or {})
    missing = wanted - set(names)
    if missing:
        names.update(Component.objects.filter(pk__in=sorted(missing)).values_list("id", "name"))
    found = []
    for other in others:
        ids = theirs.get(other.pk, [])
        shared = sorted(own.intersection(ids), key=lambda pk: names.get(pk, ""))
        values = {"key": other.key, "title": other.title}
        if shared:
            text = _("%(key)s “%(title)s” changes %(components)s in an overlapping window.")
            listed = ", ".join(names.get(pk, str(pk)) for pk in shared)
            found.append(Conflict(other, SAME_COMPONENT, text % {**values, "components": listed}))
        else:
            upstream_hit = sorted(
                (upstream[pk] for pk in ids if pk in upstream), key=lambda r: (r.depth, r.component_id)
            )
            if upstream_hit:
                reached = upstream_hit[0]
                path = " → ".join(names.get(pk, str(pk)) for pk in reversed(reached.component_ids))
                found.append(
                    Conflict(other, DEPENDENCY,
                             _("%(key)s “%(title)s” changes %(component)s, which this change's components depend on "
                               "(%(path)s), in an overlapping window.")
                             % {**values, "component": names.get(reached.component_id, ""), "path": path})
                )  # fmt: skip
        if change.implementer_id and other.implementer_id == change.implementer_id:
            assert other.implementer is not None
            found.append(
                Conflict(other, IMPLEMENTER, _("%(person)s implements %(key)s “%(title)s” at the same time.")
                         % {**values, "person": other.implementer.full_name})
            )  # fmt: skip
    return found
