"""Background jobs of the desk."""

import datetime as dt

from django.tasks import task

from picocore.core.tasks import periodic
from picocore.desk.services import presence_prune


@periodic(every=dt.timedelta(minutes=10))
@task()
def prune_ticket_presence() -> int:
    """Forget who had a ticket open outside the presence window; returns how many rows were deleted. Cheap
    (one indexed range) and idempotent: a doubled run deletes nothing twice."""
    return presence_prune()
