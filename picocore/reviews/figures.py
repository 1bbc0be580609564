"""A contract's month, computed once into a `Snapshot` when its review is made.

The figures come from the same functions as the reports and the hour bank, never from a computation of the
review's own, so that they are equal for the same contract and month:

- SLA compliance: `picocore.reports.selectors.sla_compliance_report` for the organisation and the month, counted
  as the report counts (tickets created in the month, in the installation's time zone; a clock running past its
  target is missed); every missed target is listed with the same condition;
- the hour bank: `picocore.hours.selectors.bank_month` for the contract and month (the ledger's figures);
- MTTA/MTTR, backlog and ageing, reopen rate, satisfaction and volume: `picocore.reports.metrics` with the
  `Scope` of the contract and the month (`month_scope`: its organisation, the month's days, tickets created
  under this contract), the functions the report pages call, so they count as the reports count;
- development: the milestones reached in the month and the items worked on in it; changes: change requests
  created or resolved in the month; major incidents: P1 tickets created in the month.

The reports are read as an administrator reads them (every ticket of the organisation counts, whoever made the
review), through `reader()`, a stand-in user who is never saved.
"""

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from picocore.catalog.choices import Priority, TicketType
from picocore.contracts.models import Contract, SlaMetric
from picocore.development.choices import Milestone
from picocore.development.models import DevelopmentItem
from picocore.hours import selectors as hours
from picocore.hours.models import LedgerMonth
from picocore.reports import metrics
from picocore.reports.selectors import ReportFilters, sla_compliance_report
from picocore.reviews import snapshot as s
from picocore.reviews.schedule import month_start
from picocore.satisfaction.models import SCALE
from picocore.sla.models import SlaClock
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.scope import Reach, known_reach
from picocore.tickets.choices import EventKind
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.timeline import DevelopmentMilestone, entry_of

REPORTED = (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)
MAX_LISTED = 200  # lines per list in one review: beyond it the counts still hold every ticket


def copied[T](cls: type[T], source: object, **values: Any) -> T:
    """The stored dataclass `cls` with each field taken from `source`'s attribute of the same name, except those
    given in `values`: the figures are stored exactly as the ledger or the ticket has them."""
    names = [f.name for f in dataclasses.fields(cls) if f.name not in values]  # type: ignore[arg-type]
    return cls(**{name: getattr(source, name) for name in names}, **values)


def reader() -> User:
    """Who reads the reports for a review: an administrator who is never saved, reaching every organisation
    (told so, so scoping for them costs no query)."""
    user = User(email="reviews@picocore.invalid", full_name="Service review", staff_role=StaffRole.ADMINISTRATOR)
    return known_reach(user, Reach(member_of=frozenset(), sees_all_of=frozenset(), served=None))


def month_scope(contract: Contract, month: dt.date) -> metrics.Scope:
    """What the reports' figures count for the contract's month: the contract's organisation, from the month's
    first day to its last (`month_period`), tickets created while this contract was in force."""
    start, end = metrics.month_period(month)
    return metrics.Scope(organisation_ids={contract.organisation_id}, start=start, end=end, contract=contract.pk)


def period(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first moment and the next month's, in the installation's time zone (as the reports count)."""
    start, end = metrics.month_period(month)
    scope = metrics.Scope(organisation_ids=(), start=start, end=end)
    return scope.starts_at, scope.ends_at


def sla_section(contract: Contract, month: dt.date, *, at: dt.datetime) -> s.SlaSection:
    """The SLA report's row for the organisation and month, and every target it counts as missed. Five queries."""
    filters = ReportFilters(
        month_from=month, month_to=month, group_by="organisation", organisation=contract.organisation_id
    )
    report = sla_compliance_report(actor=reader(), filters=filters, now=at)
    row = report.rows[0] if report.rows else None
    start, end = period(month)
    missed_clocks = (
        SlaClock.objects.filter(
            organisation_id=contract.organisation_id,
            metric__in=REPORTED,
            ticket__created_at__gte=start,
            ticket__created_at__lt=end,
        )
        .filter(Q(breached_at__isnull=False) | Q(stopped_at__isnull=True, due_at__lt=at))
        .select_related("ticket")
        .order_by("ticket__created_at", "ticket_id", "metric")[:MAX_LISTED]
    )
    missed = tuple(
        s.MissedTarget(
            key=clock.ticket.key,
            title=clock.ticket.title,
            priority=clock.ticket.priority,
            metric=clock.metric,
            target_seconds=clock.target_seconds,
            breached_at=clock.breached_at or clock.due_at,
            stopped_at=clock.stopped_at,
        )
        for clock in missed_clocks
    )
    if row is None:
        return s.SlaSection(missed=missed)

    def compliance(figures) -> s.Compliance:
        value = figures.compliance
        return s.Compliance(
            met=figures.met,
            missed=figures.missed,
            median_seconds=figures.median,
            p90_seconds=figures.p90,
            compliance=None if value is None else str(value),
        )

    return s.SlaSection(
        tickets=row.tickets, response=compliance(row.response), resolution=compliance(row.resolution), missed=missed
    )


def hours_section(contract: Contract, month: dt.date) -> s.HourBankSection:
    """The ledger's month for the contract (`bank_month`), and whether the month is closed."""
    figures = hours.bank_month(contract, month)
    closed = LedgerMonth.objects.filter(contract=contract, month=month, closed_at__isnull=False).exists()
    return copied(
        s.HourBankSection,
        figures,
        has_bank=figures.included > 0,
        carried_out=figures.carried_out_minutes,
        closed=closed,
    )


def satisfaction_section(scope: metrics.Scope) -> s.SatisfactionSection:
    """The satisfaction report's figures for the scope: resolutions offered, ratings, response rate, the mean
    score and the count of each (on the 1–5 scale), and the first `MAX_LISTED` comments with their count."""
    figures = metrics.satisfaction(scope, comments=MAX_LISTED)
    total = figures.total
    return s.SatisfactionSection(
        ratings=total.ratings,
        average=_text(total.score),
        scale=SCALE,
        by_score=tuple(
            s.Count(value=str(score), label=str(score), count=total.scores[score - 1]) for score in range(SCALE, 0, -1)
        ),
        comments=tuple(
            s.RatingLine(key=c.ticket_key, score=c.score, scale=c.scale, comment=c.comment, rated_at=c.rated_at)
            for c in figures.comments
        ),
        offered=total.offered,
        response_rate=_text(total.response_rate),
        comments_count=figures.comment_count,
    )


def responsiveness_section(scope: metrics.Scope) -> s.ResponsivenessSection:
    """MTTA and MTTR of the scope, as the report counts them (business time of the contract's calendar)."""
    figures = metrics.responsiveness(scope)

    def timing(durations: metrics.Durations) -> s.Timing:
        return s.Timing(count=durations.count, mean_seconds=durations.mean, median_seconds=durations.median)

    return s.ResponsivenessSection(acknowledge=timing(figures.acknowledge), resolve=timing(figures.resolve))


def backlog_section(scope: metrics.Scope, *, at: dt.datetime) -> s.BacklogSection:
    """The tickets open at the end of the month (or at `at`, if it came first) by business days open."""
    figures = metrics.backlog(scope, now=at)
    return s.BacklogSection(
        at=figures.at,
        buckets=tuple(
            s.Bucket(first=first, last=last, count=count)
            for (first, last), count in zip(metrics.BUCKETS, figures.buckets, strict=True)
        ),
    )


def reopens_section(scope: metrics.Scope) -> s.ReopenSection:
    figures = metrics.reopen_rate(scope)
    return s.ReopenSection(resolved=figures.resolved, reopened=figures.reopened, rate=_text(figures.rate))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def development_section(contract: Contract, month: dt.date) -> s.DevelopmentSection:
    """The milestones the organisation's development work reached in the month (from the tickets' timelines),
    and the items worked on in it: handed over before its end and not released before its start. Two queries."""
    start, end = period(month)
    events = (
        TicketEvent.objects.filter(
            organisation_id=contract.organisation_id,
            kind=EventKind.DEVELOPMENT,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("ticket")
        .order_by("created_at", "id")[:MAX_LISTED]
    )
    milestones = []
    for event in events:
        entry = entry_of(event.kind, event.data)
        if isinstance(entry, DevelopmentMilestone):
            milestones.append(
                s.MilestoneLine(
                    key=event.ticket.key,
                    title=event.ticket.title,
                    team=entry.team,
                    milestone=entry.after,
                    reached_at=event.created_at,
                )
            )
    items = (
        DevelopmentItem.objects.filter(organisation_id=contract.organisation_id, created_at__lt=end)
        # Released is the last milestone, so a released item's `updated_at` is when it was released.
        .filter(~Q(milestone=Milestone.RELEASED) | Q(updated_at__gte=start))
        .select_related("ticket", "team")
        .order_by("created_at", "id")[:MAX_LISTED]
    )
    return s.DevelopmentSection(
        items=tuple(
            s.ItemLine(key=i.ticket.key, title=i.title, team=i.team.name, milestone=i.milestone) for i in items
        ),
        milestones=tuple(milestones),
    )


def _ticket_lines(tickets) -> tuple[s.TicketLine, ...]:
    resolution_missed = SlaClock.objects.filter(ticket_id=OuterRef("pk"), metric=SlaMetric.RESOLUTION).filter(
        breached_at__isnull=False
    )
    rows = tickets.annotate(resolution_missed=Exists(resolution_missed)).order_by("created_at", "id")[:MAX_LISTED]
    return tuple(copied(s.TicketLine, t) for t in rows)


def changes_section(contract: Contract, month: dt.date) -> tuple[tuple[s.TicketLine, ...], int]:
    """The organisation's change requests created or resolved in the month: the first `MAX_LISTED`, and how
    many there are."""
    start, end = period(month)
    changes = Ticket.objects.filter(
        organisation_id=contract.organisation_id, ticket_type=TicketType.CHANGE_REQUEST, merged_into__isnull=True
    ).filter(Q(created_at__gte=start, created_at__lt=end) | Q(resolved_at__gte=start, resolved_at__lt=end))
    return _ticket_lines(changes), changes.count()


def major_incidents_section(contract: Contract, month: dt.date) -> tuple[tuple[s.TicketLine, ...], int]:
    """The organisation's P1 tickets created in the month: the first `MAX_LISTED`, and how many there are."""
    start, end = period(month)
    p1 = Ticket.objects.filter(
        organisation_id=contract.organisation_id,
        priority=Priority.P1,
        created_at__gte=start,
        created_at__lt=end,
        merged_into__isnull=True,
    )
    return _ticket_lines(p1), p1.count()


VOLUME_DIMENSIONS = {
    "by_type": "request_type",
    "by_priority": "priority",
    "by_solution": "solution",
    "by_channel": "channel",
}


def volume_section(scope: metrics.Scope, resolved: int) -> s.VolumeSection:
    """The volume report's counts for the scope by request type, priority, solution and channel (the contracts
    read once, then two queries each), with the tickets resolved in the month (`resolved`, as MTTR counts them)."""
    counts = {}
    created = 0
    by_dimension = metrics.volumes(scope, VOLUME_DIMENSIONS.values())
    for name, dimension in VOLUME_DIMENSIONS.items():
        figures = by_dimension[dimension]
        counts[name] = tuple(
            s.Count(value="" if row.key is None else str(row.key), label=row.label, count=row.total)
            for row in figures.rows
        )
        created = figures.total
    return s.VolumeSection(created=created, resolved=resolved, **counts)


def contract_month(contract: Contract, month: dt.date, *, at: dt.datetime) -> s.Snapshot:
    """Everything the review of the contract's month shows, as it stands at `at`. A constant number of queries,
    however many tickets, ratings or entries the month has."""
    month = month_start(month)
    scope = month_scope(contract, month)
    changes, changes_count = changes_section(contract, month)
    major, major_count = major_incidents_section(contract, month)
    responsiveness = responsiveness_section(scope)
    return s.Snapshot(
        organisation=contract.organisation.name,
        tier=contract.tier.name,
        month=month,
        time_zone=str(timezone.get_default_timezone()),
        made_at=at,
        sla=sla_section(contract, month, at=at),
        responsiveness=responsiveness,
        backlog=backlog_section(scope, at=at),
        reopens=reopens_section(scope),
        volume=volume_section(scope, resolved=responsiveness.resolve.count),
        hours=hours_section(contract, month),
        satisfaction=satisfaction_section(scope),
        development=development_section(contract, month),
        changes=changes,
        changes_count=changes_count,
        major_incidents=major,
        major_incidents_count=major_count,
    )
