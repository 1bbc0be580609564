"""When a problem's fixing change counts as done: what proposes its incidents for resolution."""

from picocore.changes.choices import ChangeStatus
from picocore.changes.models import Change, PostImplementationReview
from picocore.changes.risk import FAILED_OUTCOMES

COMPLETED_CHANGE = (ChangeStatus.REVIEW, ChangeStatus.CLOSED)


def change_completed(change: Change | None) -> bool:
    """Whether the fixing change is done: implemented (in review) or closed, and not reviewed as failed or backed
    out. Reads the change's review (select it along with the change to spare the query)."""
    if change is None or change.status not in COMPLETED_CHANGE:
        return False
    try:
        review: PostImplementationReview | None = change.review
    except PostImplementationReview.DoesNotExist:
        review = None
    return review is None or review.outcome not in FAILED_OUTCOMES
