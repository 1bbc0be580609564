"""Background jobs of the ticket lifecycle."""

import datetime as dt

from django.db.models import F, Min
from django.tasks import task
from django.utils import timezone

from picocore.contracts.models import Tier
from picocore.core.clock import now
from picocore.core.tasks import periodic
from picocore.tickets.choices import OPEN_STATUSES, Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_auto_close
from picocore.tickets.services.lifecycle import DEFAULT_AUTO_CLOSE_DAYS
from picocore.tickets.services.ownership import ticket_remind_overdue_next_step
from picocore.tickets.tallies import tallies_compact

BATCH = 500


@periodic(every=dt.timedelta(minutes=10))
@task()
def auto_close_resolved_tickets() -> int:
    """Close resolved tickets whose confirmation period has passed; returns how many were closed.

    Candidates come from one indexed query (status, resolved_at) bounded by the shortest period of any tier;
    each is closed by `ticket_auto_close`, which re-checks under a lock, so running twice closes nothing twice.
    """
    shortest = min(Tier.objects.aggregate(days=Min("auto_close_after_days"))["days"] or DEFAULT_AUTO_CLOSE_DAYS,
                   DEFAULT_AUTO_CLOSE_DAYS)  # fmt: skip
    cutoff = now() - dt.timedelta(days=shortest)
    candidates = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).order_by("resolved_at")
    closed = 0
    last_id = 0
    while ids := list(candidates.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH]):
        closed += sum(ticket_auto_close(ticket_id=ticket_id) for ticket_id in ids)
        last_id = ids[-1]
    return closed


@periodic(every=dt.timedelta(minutes=30))
@task()
def remind_overdue_next_steps() -> int:
    """Ask each owner of an open ticket whose next step's date has passed for a new one, once per date;
    returns how many were asked.

    Candidates come from one query on the partial index of open, owned tickets by next-step date, leaving out
    those already reminded of this date; each is re-checked under its lock, so a doubled sweep asks once.
    """
    today = timezone.localdate(now())
    candidates = Ticket.objects.filter(
        status__in=OPEN_STATUSES, assignee__isnull=False, next_step_due__isnull=False, next_step_due__lt=today
    ).exclude(next_step_reminded_for=F("next_step_due"))
    reminded = 0
    last_id = 0
    while ids := list(candidates.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH]):
        reminded += sum(ticket_remind_overdue_next_step(ticket_id=ticket_id) for ticket_id in ids)
        last_id = ids[-1]
    return reminded


@periodic(every=dt.timedelta(minutes=1))
@task()
def compact_ticket_tallies() -> None:
    """Fold the tallies' delta rows (see `picocore.tickets.tallies`), so counting reads about one row per group."""
    tallies_compact()
