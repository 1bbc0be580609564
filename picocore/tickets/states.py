"""The ticket lifecycle as data: which status may follow which. No database access here."""

from picocore.tickets.choices import Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.TRIAGED, Status.IN_PROGRESS, Status.CANCELLED}),
    Status.TRIAGED: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset(
        {Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_THIRD_PARTY, Status.RESOLVED, Status.CANCELLED}
    ),
    Status.WAITING_ON_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}),
    Status.WAITING_ON_THIRD_PARTY: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def allowed_next(status: str) -> tuple[Status, ...]:
    """The statuses that may follow `status`, in the lifecycle's order."""
    following = TRANSITIONS[Status(status)]
    return tuple(s for s in Status if s in following)


def is_allowed(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]
