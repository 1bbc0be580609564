"""The change lifecycle as data: which status may follow which, per type of change. No database access.

- A normal change is assessed, approved by the customer and the CAB, scheduled, implemented and reviewed.
- A standard change is pre-approved: from draft straight to scheduled.
- An emergency change may be implemented before it is approved (approval after the fact, in review); it may
  not close without its post-implementation review.
- Before implementation a change may be cancelled; during implementation it may fail; a failed change closes
  after its review. Rejected only follows awaiting approval (a customer's or the CAB's rejection).
"""

from picocore.changes.choices import ChangeStatus as S
from picocore.changes.choices import ChangeType

TERMINAL = frozenset({S.CLOSED, S.REJECTED, S.CANCELLED})
# Statuses whose window is planned and still ahead or under way: what the calendar, conflicts and notices count.
PLANNED = frozenset({S.SCHEDULED, S.IMPLEMENTING})
# Statuses in which the planned window is still being decided and may be moved freely.
PLANNING = frozenset({S.DRAFT, S.ASSESSMENT, S.AWAITING_APPROVAL})

_AFTER_IMPLEMENTING: dict[str, tuple[str, ...]] = {
    S.IMPLEMENTING: (S.REVIEW, S.FAILED),
    S.REVIEW: (S.CLOSED,),
    S.FAILED: (S.CLOSED,),
}

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    ChangeType.NORMAL: {
        S.DRAFT: (S.ASSESSMENT, S.CANCELLED),
        S.ASSESSMENT: (S.AWAITING_APPROVAL, S.DRAFT, S.CANCELLED),
        S.AWAITING_APPROVAL: (S.SCHEDULED, S.REJECTED, S.ASSESSMENT, S.CANCELLED),
        S.SCHEDULED: (S.IMPLEMENTING, S.ASSESSMENT, S.CANCELLED),
        **_AFTER_IMPLEMENTING,
    },
    ChangeType.STANDARD: {
        S.DRAFT: (S.SCHEDULED, S.CANCELLED),
        S.SCHEDULED: (S.IMPLEMENTING, S.DRAFT, S.CANCELLED),
        **_AFTER_IMPLEMENTING,
    },
    ChangeType.EMERGENCY: {
        S.DRAFT: (S.SCHEDULED, S.IMPLEMENTING, S.CANCELLED),
        S.SCHEDULED: (S.IMPLEMENTING, S.CANCELLED),
        **_AFTER_IMPLEMENTING,
    },
}

# Moves that only the approval services make (a decision reached), never a person's button.
BY_DECISION_ONLY = frozenset({(S.AWAITING_APPROVAL, S.REJECTED)})


def allowed_from(change_type: str, status: str) -> tuple[str, ...]:
    """The statuses a change of this type may move to from `status` (none from a terminal one)."""
    return TRANSITIONS.get(change_type, {}).get(status, ())


def may_move(change_type: str, source: str, target: str) -> bool:
    return target in allowed_from(change_type, source)


def needs_review_to_close(change_type: str, status: str) -> bool:
    """Whether closing from `status` needs a post-implementation review first: always for an emergency change,
    and for any change that failed."""
    return change_type == ChangeType.EMERGENCY or status == S.FAILED
