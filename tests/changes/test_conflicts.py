"""Conflicts of planned windows: the same component, a component depended on (two integrations upstream), the
same implementer — each with its reason; shown, never blocking."""

import datetime as dt

from picocore.changes import conflicts
from picocore.changes.choices import ChangeStatus, ChangeType
from picocore.changes.services import change_transition
from tests.changes.support import END, START, ready_change

S = ChangeStatus


def found(change) -> list[tuple[str, str]]:
    return [(c.other.key, c.kind) for c in conflicts.change_conflicts(change, component_ids=list(
        change.affected.values_list("component_id", flat=True)))]  # fmt: skip


def test_a_change_on_b_overlapping_one_on_a_that_b_depends_on_is_a_dependency_conflict(cw):
    # The CMS depends on the PIM (the product export runs PIM → CMS).
    on_pim = ready_change(cw, status=S.SCHEDULED, components=(cw.pim,), title="Upgrade the PIM")
    on_cms = ready_change(cw, status=S.ASSESSMENT, components=(cw.cms,), title="Upgrade the CMS",
                          start=START + dt.timedelta(hours=1), end=END + dt.timedelta(hours=1))  # fmt: skip
    [conflict] = conflicts.change_conflicts(on_cms, component_ids=[cw.cms.pk])
    assert (conflict.other, conflict.kind) == (on_pim, conflicts.DEPENDENCY)
    assert conflict.reason == (
        f"{on_pim.key} “Upgrade the PIM” changes Akeneo PIM, which this change's components depend on "
        "(Akeneo PIM → Umbraco CMS), in an overlapping window."
    )
    # The PIM depends on nothing the CMS change touches; the CMS change only awaits planning, so it is not counted.
    assert found(on_pim) == []


def test_two_integrations_upstream_still_conflict_three_do_not(cw):
    on_pim = ready_change(cw, status=S.SCHEDULED, components=(cw.pim,))
    on_cdn = ready_change(cw, status=S.DRAFT, components=(cw.cdn,))
    [conflict] = conflicts.change_conflicts(on_cdn, component_ids=[cw.cdn.pk])
    assert conflict.kind == conflicts.DEPENDENCY
    assert "(Akeneo PIM → Umbraco CMS → CDN)" in conflict.reason
    assert [c.other for c in conflicts.change_conflicts(on_cdn, component_ids=[cw.cdn.pk])] == [on_pim]
    assert conflicts.DEPENDENCY_DEPTH == 2


def test_the_same_component_and_the_same_implementer(cw):
    first = ready_change(cw, status=S.AWAITING_APPROVAL, components=(cw.cms,), implementer=cw.consultant,
                         title="Patch the CMS")  # fmt: skip
    second = ready_change(cw, components=(cw.cms, cw.staging_pim), implementer=cw.consultant)
    found_ = conflicts.change_conflicts(second, component_ids=[cw.cms.pk, cw.staging_pim.pk])
    assert [(c.kind, c.reason) for c in found_] == [
        (conflicts.SAME_COMPONENT, f"{first.key} “Patch the CMS” changes Umbraco CMS in an overlapping window."),
        (conflicts.IMPLEMENTER, f"Carla Consultant implements {first.key} “Patch the CMS” at the same time."),
    ]  # fmt: skip


def test_windows_that_only_touch_do_not_overlap_and_finished_changes_do_not_count(cw):
    ready_change(cw, status=S.SCHEDULED, components=(cw.pim,), start=END, end=END + dt.timedelta(hours=1))
    ready_change(cw, status=S.REVIEW, components=(cw.pim,))
    ready_change(cw, status=S.CANCELLED, components=(cw.pim,))
    change = ready_change(cw, components=(cw.pim,))
    assert found(change) == []


def test_conflicts_do_not_block_scheduling(cw):
    ready_change(cw, status=S.SCHEDULED, components=(cw.pim,))
    standard = ready_change(cw, change_type=ChangeType.STANDARD, components=(cw.pim,))
    assert [kind for _, kind in found(standard)] == [conflicts.SAME_COMPONENT]
    assert change_transition(actor=cw.consultant, change_id=standard.pk, target=S.SCHEDULED).status == S.SCHEDULED


def test_a_constant_number_of_queries(cw, django_assert_num_queries):
    change = ready_change(cw, components=(cw.cms,))
    ready_change(cw, status=S.SCHEDULED, components=(cw.pim,))
    with django_assert_num_queries(4):
        assert len(conflicts.change_conflicts(change, component_ids=[cw.cms.pk])) == 1
    for _ in range(5):
        ready_change(cw, status=S.SCHEDULED, components=(cw.pim, cw.cdn), implementer=cw.consultant)
    with django_assert_num_queries(4):
        assert len(conflicts.change_conflicts(change, component_ids=[cw.cms.pk])) == 6
