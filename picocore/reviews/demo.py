"""The demo's service reviews: the past months of every demo contract, as the schedule would have made them;
the older ones written and sent by the service manager, the last one left a draft to write and send."""

import datetime as dt

from picocore.contracts.models import Contract
from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.reviews.making import review_make
from picocore.reviews.schedule import add_months, month_start
from picocore.reviews.services import review_recipients, review_send, review_update
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User

MONTHS = 3
SUMMARY = (
    "A steady month: the requests that came in were answered and resolved within their targets, with the "
    "exceptions listed below. Thank you for the quick answers when we needed your input."
)
PROPOSALS = "Schedule the nightly product import an hour earlier, so the shop's morning traffic finds it done."


def make_demo_reviews(*, months: int = MONTHS, moment: dt.datetime | None = None) -> int:
    """Make the reviews of each demo contract's last `months` ended months (those it was in force in); all
    but the latest are written and sent by the demo's service manager. Returns how many were made."""
    moment = moment or now()
    manager = User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True).order_by("id").first()
    made = 0
    for contract in Contract.objects.select_related("organisation", "tier").order_by("id"):
        this_month = month_start(organisation_date(contract.organisation, moment))
        first = max(add_months(this_month, -months), month_start(contract.starts_on))
        month = first
        while month < this_month:
            review, created = review_make(contract=contract, month=month, at=moment)
            made += created
            if created and manager is not None and add_months(month, 1) < this_month and review_recipients(review):
                review_update(actor=manager, review_id=review.pk, summary=SUMMARY, proposals=PROPOSALS)
                review_send(actor=manager, review_id=review.pk)
            month = add_months(month, 1)
    return made
