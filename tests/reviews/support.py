"""Reviews for the isolation walks of the portal and the desk: ACME's review of a past month."""

import datetime as dt

from picocore.core.clock import now
from picocore.reviews.making import review_make
from picocore.reviews.models import ServiceReview

MONTH = dt.date(2026, 1, 1)


def past_review(organisation, *, sent: bool) -> ServiceReview:
    """The organisation's review of January 2026 (made from its figures), sent to the customer or still a draft."""
    review = review_make(contract=organisation.contracts.get(), month=MONTH)[0]
    if sent and review.is_draft:
        ServiceReview.objects.filter(pk=review.pk).update(status="sent", sent_at=now())
        review.refresh_from_db()
    return review
