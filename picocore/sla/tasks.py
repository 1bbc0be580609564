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
def notify_sla_records(records: list[list[object]]) -> int:
    """Send the notices of recorded SLA warnings and breaches: `records` holds [kind, clock id, moment (ISO
    8601), page on call] as `picocore.sla.recording` wrote them. Idempotent: each notice is keyed by its clock
    and moment, so a second run notifies nobody again. A clock deleted since (its contract no longer has the
    target) is skipped. Returns how many notifications were new."""
    from picocore.sla.escalation import ServiceManagers, notify_breach, notify_warning
    from picocore.sla.models import SlaClock
    from picocore.sla.recording import WARNING

    related = ("ticket", "ticket__assignee", "ticket__team", "ticket__organisation")
    clocks = SlaClock.objects.select_related(*related).in_bulk([clock_id for _, clock_id, _, _ in records])
    told, managers = 0, ServiceManagers()  # read once per team for the whole task
    for kind, clock_id, moment, page in records:
        clock = clocks.get(clock_id)
        if clock is None:
            continue
        at = dt.datetime.fromisoformat(str(moment))
        if kind == WARNING:
            told += notify_warning(clock, ticket=clock.ticket, due_at=at, managers=managers)
        else:
            told += notify_breach(clock, ticket=clock.ticket, breached_at=at, page=bool(page), managers=managers)
    return told


@task()
def recompute_organisation_clocks(organisation_id: int) -> int:
    """Recompute the clocks of every unfinished ticket of one organisation (after a contract or calendar
    change); returns how many tickets were recomputed. Idempotent: it derives, never accumulates."""
    from picocore.sla.batch import recompute_unfinished
    from picocore.tickets.models import Ticket

    return recompute_unfinished(Ticket.objects.filter(organisation_id=organisation_id))
