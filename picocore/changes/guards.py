"""The guards of planning and moving a change, as plain questions the services enforce and the pages ask to
show what is possible: which moves a person may make, what a change lacks before a move, and why a window may
not be scheduled."""

from django.utils.translation import gettext as _

from picocore.changes import scheduling, states
from picocore.changes.choices import ChangeStatus
from picocore.changes.models import Change

S = ChangeStatus
NEEDS_PLANS = frozenset({S.AWAITING_APPROVAL, S.SCHEDULED})


def allowed_moves(change: Change) -> tuple[str, ...]:
    """The statuses a person may move the change to now (decisions' moves left out)."""
    return tuple(
        target
        for target in states.allowed_from(change.change_type, change.status)
        if (change.status, target) not in states.BY_DECISION_ONLY
    )


def readiness_problems(change: Change, *, components: list[int], target: str) -> list[str]:
    """What the change still lacks before it may move to `target` (empty when it may)."""
    problems = []
    if target in NEEDS_PLANS or (target == S.IMPLEMENTING and change.status == S.DRAFT):
        missing = [
            label
            for label, text in (
                (_("implementation plan"), change.implementation_plan),
                (_("test plan"), change.test_plan),
                (_("back-out plan"), change.backout_plan),
            )
            if not text.strip()
        ]
        if missing:
            problems.append(_("Write its %(plans)s first.") % {"plans": ", ".join(missing)})
        if not components:
            problems.append(_("Confirm the components it affects first."))
    if target in NEEDS_PLANS and (change.planned_start is None or change.planned_end is None):
        problems.append(_("Plan its window first."))
    return problems


def window_refusal(change: Change, check: scheduling.WindowCheck, rules: scheduling.Rules) -> str:
    """Why the planned window may not be scheduled, naming the freeze or the windows; "" when it may."""
    if check.freeze is not None:
        freeze = check.freeze
        return _("The window falls in the freeze “%(name)s” (%(first)s – %(last)s).") % {
            "name": freeze.name, "first": freeze.starts_on.strftime("%d %b"), "last": freeze.ends_on.strftime("%d %b"),
        }  # fmt: skip
    if check.outside_window:
        return _("The window is outside %(organisation)s's maintenance windows: %(windows)s.") % {
            "organisation": change.organisation.name, "windows": scheduling.windows_text(rules.windows),
        }  # fmt: skip
    return ""
