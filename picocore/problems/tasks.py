"""The problems' scheduled work: the recurring-incident detector."""

import datetime as dt
import logging

from django.tasks import task

from picocore.core.tasks import periodic
from picocore.problems.services import proposals_detect

logger = logging.getLogger(__name__)


@periodic(every=dt.timedelta(hours=1))
@task()
def detect_recurring_incidents() -> int:
    """Once an hour: propose problems for clusters of recurring incidents, or add new incidents to the open
    proposals they join (`proposals_detect`; idempotent, so a retried or doubled run proposes nothing twice).
    Returns the number of proposals made."""
    run = proposals_detect()
    if run.proposed or run.joined:
        logger.info("Proposed %s problem(s); %s incident(s) joined open proposals", run.proposed, run.joined)
    return run.proposed
