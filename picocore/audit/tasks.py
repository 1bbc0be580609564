"""Background jobs of the audit."""

import datetime as dt
import logging

from django.tasks import task

from picocore.audit.services import access_log_prune
from picocore.core.tasks import periodic

logger = logging.getLogger(__name__)


@periodic(every=dt.timedelta(days=1))
@task()
def prune_access_log() -> int:
    """Once a day: forget the staff's openings of tickets older than the access log's retention (two years);
    returns how many went. Idempotent: a doubled run deletes nothing twice."""
    pruned = access_log_prune()
    if pruned:
        logger.info("Forgot %s access log row(s) past their retention", pruned)
    return pruned
