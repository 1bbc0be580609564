"""Background jobs of the SLA."""

import datetime as dt

from django.tasks import task

from picocore.core.tasks import periodic
from picocore.sla.sweep import sla_sweep


@periodic(every=dt.timedelta(minutes=1))
@task()
def sweep_sla_clocks() -> list[int]:
    """Record SLA warnings and breaches and escalate; idempotent, cheap when nothing is due."""
    return list(sla_sweep())


@task()
def recompute_organisation_clocks(organisation_id: int) -> int:
    """Recompute the clocks of every unfinished ticket of one organisation (after a contract or calendar
    change); returns how many tickets were recomputed. Idempotent: it derives, never accumulates."""
    from picocore.sla.services import sla_recompute
    from picocore.tickets.choices import UNFINISHED_STATUSES
    from picocore.tickets.models import Ticket

    count = 0
    tickets = Ticket.objects.filter(organisation_id=organisation_id, status__in=UNFINISHED_STATUSES)
    for ticket in tickets.select_related("organisation").iterator(chunk_size=500):
        sla_recompute(ticket=ticket)
        count += 1
    return count
