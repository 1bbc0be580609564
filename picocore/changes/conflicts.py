"""Conflicts of a change's planned window with other planned changes: another change (scheduled, under way or
awaiting approval) in an overlapping window on the same component, or on a component one of this change's
depends on (up to two integrations upstream), or with the same implementer booked. Each conflict carries its
reason. Conflicts are shown, never blocking: people decide.

A constant number of queries, whatever the number of changes: the overlapping changes, their components, and
the organisation's integrations (read once, walked in Python).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from picocore.changes import states
from picocore.changes.choices import ChangeStatus
from picocore.changes.models import Change, ChangeComponent
from picocore.cmdb.choices import IntegrationDirection
from picocore.cmdb.models import Component, Integration

DEPENDENCY_DEPTH = 2
SAME_COMPONENT, DEPENDENCY, IMPLEMENTER = "component", "dependency", "implementer"
CONSIDERED = frozenset({*states.PLANNED, ChangeStatus.AWAITING_APPROVAL})


@dataclass(frozen=True)
class Reached:
    """A component the starting ones depend on, and the components on the way (from the start to it)."""

    component_id: int
    component_ids: tuple[int, ...]

    @property
    def depth(self) -> int:
        return len(self.component_ids) - 1


def dependencies(component_ids: Sequence[int], depth: int) -> list[Reached]:
    """What the components depend on, up to `depth` integrations upstream, each by a shortest path; a landscape
    with a cycle terminates. One query for the organisations' integrations."""
    organisations = Component.objects.filter(pk__in=list(component_ids)).values("organisation_id")
    up: dict[int, list[int]] = {}
    rows = Integration.objects.filter(organisation_id__in=organisations).order_by("id")
    for source, target, direction in rows.values_list("source_id", "target_id", "direction"):
        up.setdefault(target, []).append(source)
        if direction == IntegrationDirection.TWO_WAY:
            up.setdefault(source, []).append(target)
    paths: dict[int, tuple[int, ...]] = {pk: (pk,) for pk in component_ids}
    frontier = list(component_ids)
    reached = []
    for _hop in range(depth):
        following = []
        for current in frontier:
            for nxt in up.get(current, ()):
                if nxt not in paths:
                    paths[nxt] = (*paths[current], nxt)
                    reached.append(Reached(nxt, paths[nxt]))
                    following.append(nxt)
        frontier = following
    return reached


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
    change: Change, *, component_ids: Sequence[int], names: dict[int, str] | None = None
) -> list[Conflict]:
    """The conflicts of `change` (whose confirmed components are `component_ids`), each with its reason.
    `names` names components for the reasons (those not given are read)."""
    others = overlapping(change)
    if not others:
        return []
    theirs: dict[int, list[int]] = {}
    for change_id, component_id in ChangeComponent.objects.filter(change__in=[o.pk for o in others]).values_list(
        "change_id", "component_id"
    ):
        theirs.setdefault(change_id, []).append(component_id)
    own = set(component_ids)
    upstream = {reached.component_id: reached for reached in dependencies(sorted(own), DEPENDENCY_DEPTH)} if own else {}
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
