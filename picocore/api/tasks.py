"""Background jobs of the API."""

import datetime as dt
import logging

from django.tasks import task

from picocore.api.idempotency import idempotent_responses_prune
from picocore.core.tasks import periodic

logger = logging.getLogger(__name__)


@periodic(every=dt.timedelta(hours=1))
@task()
def prune_idempotent_responses() -> int:
    """Once an hour: forget the stored create answers older than 24 hours; returns how many went."""
    pruned = idempotent_responses_prune()
    if pruned:
        logger.info("Forgot %s stored API answer(s) older than a day", pruned)
    return pruned
