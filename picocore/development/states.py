"""Which milestone moves are allowed: one table, no database access. Work only moves forward (skipping
ahead is allowed), and a released item is finished."""

from picocore.development.choices import Milestone

NEXT_MILESTONES: dict[Milestone, tuple[Milestone, ...]] = {
    Milestone.HANDED_OVER: (
        Milestone.ACCEPTED,
        Milestone.IN_PROGRESS,
        Milestone.READY_FOR_RELEASE,
        Milestone.RELEASED,
    ),
    Milestone.ACCEPTED: (Milestone.IN_PROGRESS, Milestone.READY_FOR_RELEASE, Milestone.RELEASED),
    Milestone.IN_PROGRESS: (Milestone.READY_FOR_RELEASE, Milestone.RELEASED),
    Milestone.READY_FOR_RELEASE: (Milestone.RELEASED,),
    Milestone.RELEASED: (),
}

FINISHED = frozenset(milestone for milestone, moves in NEXT_MILESTONES.items() if not moves)


def allowed_moves(current: str) -> tuple[Milestone, ...]:
    """The milestones an item at `current` may move to next, in order."""
    return NEXT_MILESTONES[Milestone(current)]
