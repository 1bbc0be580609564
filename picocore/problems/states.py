"""The problem lifecycle as data: which status may follow which. No database access.

- A new problem is investigated; once a workaround (or the root cause with one) is recorded it is a known error;
  the fix makes it resolved; closed ends it. A problem may be closed from any status (a duplicate, not a problem
  after all); a resolved one may go back to investigating (the fix did not hold), a known error too (the
  workaround proved wrong).
- Entering "known error" needs a recorded workaround (the services check it; this table says only which moves
  exist).
"""

from picocore.problems.choices import ProblemStatus as S

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.INVESTIGATING, S.KNOWN_ERROR, S.CLOSED),
    S.INVESTIGATING: (S.KNOWN_ERROR, S.RESOLVED, S.CLOSED),
    S.KNOWN_ERROR: (S.INVESTIGATING, S.RESOLVED, S.CLOSED),
    S.RESOLVED: (S.INVESTIGATING, S.CLOSED),
    S.CLOSED: (),
}

# A problem in one of these is still being worked: its incidents are not proposed again by the detector.
OPEN = frozenset({S.NEW, S.INVESTIGATING, S.KNOWN_ERROR})
TERMINAL = frozenset({S.CLOSED})
# Moves that need a recorded workaround.
NEEDS_WORKAROUND = frozenset({S.KNOWN_ERROR})


def allowed_from(status: str) -> tuple[str, ...]:
    """The statuses a problem may move to from `status` (none from closed, nor from an unknown status)."""
    return TRANSITIONS.get(status, ())


def may_move(source: str, target: str) -> bool:
    return target in allowed_from(source)
