"""A contract's month, computed once into a `Snapshot` when its review is made.

The figures come from the same functions as the reports and the hour bank, never from a computation of the
review's own, so that they are equal for the same contract and month:

- SLA compliance: `picocore.reports.selectors.sla_compliance_report` for the organisation and the month, counted
  as the report counts (tickets created in the month, in the installation's time zone; a clock running past its
  target is missed); every missed target is listed with the same condition;
- the hour bank: `picocore.hours.selectors.bank_month` for the contract and month (the ledger's figures);
- satisfaction: the ratings given in the month; development: the milestones reached in the month and the items
  worked on in it; changes: change requests created or resolved in the month; major incidents: P1 tickets
  created in the month.

The reports are read as an administrator reads them (every ticket of the organisation counts, whoever made the
review), through `reader()`, a stand-in user who is never saved.
"""

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from picocore.catalog.choices import Priority, TicketType
from picocore.contracts.models import Contract, SlaMetric
from picocore.development.choices import Milestone
from picocore.development.models import DevelopmentItem
from picocore.hours import selectors as hours
from picocore.hours.models import LedgerMonth
from picocore.reports.selectors import ReportFilters, sla_compliance_report
from picocore.reviews import snapshot as s
from picocore.reviews.schedule import add_months, month_start
from picocore.satisfaction.models import Rating
from picocore.sla.models import SlaClock
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.scope import Reach, known_reach
from picocore.tickets.choices import Channel, EventKind
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.timeline import DevelopmentMilestone, entry_of

REPORTED = (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)
MAX_LISTED = 200  # lines per list in one review: beyond it the counts still hold every ticket


def reader() -> User:
    """Who reads the reports for a review: an administrator who is never saved, reaching every organisation
    (told so, so scoping for them costs no query)."""
    user = User(email="reviews@picocore.invalid", full_name="Service review", staff_role=StaffRole.ADMINISTRATOR)
    return known_reach(user, Reach(member_of=frozenset(), sees_all_of=frozenset(), served=None))


def period(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first moment and the next month's, in the installation's time zone (as the reports count)."""
    zone = timezone.get_default_timezone()
    start = month_start(month)
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(add_months(start, 1), dt.time(), tzinfo=zone),
    )


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
    return s.HourBankSection(
        has_bank=figures.included > 0,
        included=figures.included,
        carried_in=figures.carried_in,
        added=figures.added,
        used=figures.used,
        remaining=figures.remaining,
        overage=figures.overage,
        expired=figures.expired,
        carried_out=figures.carried_out_minutes,
        closed=closed,
    )


def satisfaction_section(contract: Contract, month: dt.date) -> s.SatisfactionSection:
    """The ratings given in the month: how many, their average, how many of each score, and the comments."""
    start, end = period(month)
    ratings = list(
        Rating.objects.filter(organisation_id=contract.organisation_id, created_at__gte=start, created_at__lt=end)
        .select_related("ticket")
        .order_by("created_at", "id")
    )
    scale = contract.tier.rating_scale
    if not ratings:
        return s.SatisfactionSection(scale=scale)
    counts = Counter(rating.score for rating in ratings)
    average = (Decimal(sum(r.score for r in ratings)) / len(ratings)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return s.SatisfactionSection(
        ratings=len(ratings),
        average=str(average),
        scale=scale,
        by_score=tuple(
            s.Count(value=str(score), label=str(score), count=counts[score])
            for score in range(max(scale, max(counts)), 0, -1)
        ),
        comments=tuple(
            s.RatingLine(
                key=r.ticket.key, title=r.ticket.title, score=r.score, comment=r.comment, rated_at=r.created_at
            )
            for r in ratings
            if r.comment.strip()
        )[:MAX_LISTED],
    )


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
    return tuple(
        s.TicketLine(
            key=t.key,
            title=t.title,
            ticket_type=t.ticket_type,
            priority=t.priority,
            status=t.status,
            created_at=t.created_at,
            resolved_at=t.resolved_at,
            resolution_missed=t.resolution_missed,
        )
        for t in rows
    )


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


def volume_section(contract: Contract, month: dt.date) -> s.VolumeSection:
    """The organisation's requests created in the month by type, priority and channel, and those resolved in
    it (merged duplicates not counted). Two queries."""
    start, end = period(month)
    tickets = Ticket.objects.filter(organisation_id=contract.organisation_id, merged_into__isnull=True)
    created: list[Any] = list(
        tickets.filter(created_at__gte=start, created_at__lt=end)
        .values("ticket_type", "priority", "channel")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    resolved = tickets.filter(resolved_at__gte=start, resolved_at__lt=end).count()

    def counted(field: str, labels: dict) -> tuple[s.Count, ...]:
        totals: Counter = Counter()
        for row in created:
            totals[row[field]] += row["n"]
        return tuple(
            s.Count(value=str(value), label=str(labels.get(value, value)), count=totals[value])
            for value in labels
            if totals[value]
        )

    return s.VolumeSection(
        created=sum(row["n"] for row in created),
        resolved=resolved,
        by_type=counted("ticket_type", dict(TicketType.choices)),
        by_priority=counted("priority", dict(Priority.choices)),
        by_channel=counted("channel", dict(Channel.choices)),
    )


def contract_month(contract: Contract, month: dt.date, *, at: dt.datetime) -> s.Snapshot:
    """Everything the review of the contract's month shows, as it stands at `at`. A constant number of queries,
    however many tickets, ratings or entries the month has."""
    month = month_start(month)
    changes, changes_count = changes_section(contract, month)
    major, major_count = major_incidents_section(contract, month)
    return s.Snapshot(
        organisation=contract.organisation.name,
        tier=contract.tier.name,
        month=month,
        time_zone=str(timezone.get_default_timezone()),
        made_at=at,
        sla=sla_section(contract, month, at=at),
        volume=volume_section(contract, month),
        hours=hours_section(contract, month),
        satisfaction=satisfaction_section(contract, month),
        development=development_section(contract, month),
        changes=changes,
        changes_count=changes_count,
        major_incidents=major,
        major_incidents_count=major_count,
    )
