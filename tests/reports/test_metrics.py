"""The shared figures (`picocore.reports.metrics`) against the hand-counted history of `conftest.py`, and the
business-time edges (a weekend, a public holiday) on small worlds of their own.

Times are Copenhagen's; the calendar is Monday to Friday 08:00–16:00 with Danish public holidays. Months are
the installation's (America/Santiago in the tests).
"""

import datetime as dt
from decimal import Decimal

import pytest

from picocore.hours.choices import NonBillableReason
from picocore.hours.models import HourTerms
from picocore.hours.selectors import bank_month
from picocore.hours.services import ledger_adjust, time_log
from picocore.reports.metrics import (
    BUCKETS,
    Durations,
    Scope,
    backlog,
    hours_used,
    month_period,
    reopen_rate,
    responsiveness,
    satisfaction,
    volume,
)
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Team
from picocore.tickets.choices import Channel, Status
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.services import ticket_reply, ticket_transition
from tests.reports.conftest import REPORT_TIME, ReportWorld, cph

pytestmark = pytest.mark.django_db

NOVEMBER = month_period(dt.date(2026, 11, 1))


def scope_of(world: ReportWorld, start=NOVEMBER[0], end=NOVEMBER[1], **filters) -> Scope:
    return Scope(
        organisation_ids=[world.acme.organisation.pk, world.nord.organisation.pk], start=start, end=end, **filters
    )


def test_month_period_and_scope_checks():
    assert month_period(dt.date(2026, 2, 17)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_period(dt.date(2026, 12, 31)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    with pytest.raises(ValueError, match="ends"):
        Scope(organisation_ids=[1], start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 1))


def test_durations_mean_and_median():
    assert Durations.of([]) == Durations(count=0, mean=None, median=None)
    assert Durations.of([3600, 10800, 1800]) == Durations(count=3, mean=5400, median=3600)
    assert Durations.of([1, 2]) == Durations(count=2, mean=2, median=2)  # 1.5 rounds half up
    assert Durations.of([10, 0, 5, 1]) == Durations(count=4, mean=4, median=3)


# MTTA and MTTR


def figures(report) -> list[tuple]:
    return [
        (row.label, row.acknowledge.count, row.acknowledge.mean, row.acknowledge.median,
         row.resolve.count, row.resolve.mean, row.resolve.median)
        for row in report.rows
    ]  # fmt: skip


def test_mtta_and_mttr_in_business_time_per_organisation(report_world: ReportWorld):
    """November: Acme's first answers took 1 h (ACME-1), 3 h (ACME-2), 30 min (ACME-3) — ACME-4 and ACME-5
    have none; ACME-1 was resolved in 3 h, ACME-3 in 9 business hours (Monday 09:00–16:00 and Tuesday
    08:00–10:00). Nord's NORD-2: answered in 30 min, resolved in 1 h."""
    report = responsiveness(scope_of(report_world))
    assert figures(report) == [
        ("Acme Ltd", 3, 5400, 3600, 2, 21600, 21600),
        ("Nord Ltd", 1, 1800, 1800, 1, 3600, 3600),
    ]
    assert (report.acknowledge, report.resolve) == (
        Durations(count=4, mean=4500, median=2700),
        Durations(count=3, mean=15600, median=10800),
    )


def test_mtta_and_mttr_per_tier_priority_and_month(report_world: ReportWorld):
    """October and November: NORD-1 (Essential, answered in 15 min, resolved in 6 h) joins in."""
    two_months = scope_of(report_world, start=dt.date(2026, 10, 1))
    assert figures(responsiveness(two_months, group_by="tier")) == [
        ("Essential", 1, 900, 900, 1, 21600, 21600),
        ("Standard", 3, 5400, 3600, 2, 21600, 21600),
        ("Premium", 1, 1800, 1800, 1, 3600, 3600),
    ]
    assert figures(responsiveness(two_months, group_by="priority")) == [
        ("P1", 1, 1800, 1800, 1, 32400, 32400),
        ("P2", 4, 4275, 2700, 3, 12000, 10800),
    ]
    assert figures(responsiveness(two_months, group_by="month")) == [
        ("Oct 2026", 1, 900, 900, 1, 21600, 21600),
        ("Nov 2026", 4, 4500, 2700, 3, 15600, 10800),
    ]


def test_mtta_counts_the_first_staff_reply_only(report_world: ReportWorld, clock):
    """A second reply, a customer's reply and an internal note change nothing; a ticket answered first in
    December counts in December, not November."""
    world = report_world
    before = figures(responsiveness(scope_of(world)))
    clock.set(cph(12, 1, 10))
    ticket_reply(actor=world.consultant, ticket=world.tickets["ACME-1"], body="One more thing.")
    ticket_reply(actor=world.acme.requester, ticket=world.tickets["ACME-4"], body="Any news?")
    ticket_reply(actor=world.consultant, ticket=world.tickets["ACME-4"], body="On it.")
    assert figures(responsiveness(scope_of(world))) == before
    december = responsiveness(scope_of(world, *month_period(dt.date(2026, 12, 1))))
    # ACME-4: created Monday 23 November 13:00, answered Tuesday 1 December 10:00: 3 h on the Monday, five
    # full days (24–27 and 30 November, 8 h each; not the weekend) and 2 h on the Tuesday = 45 h.
    assert figures(december) == [("Acme Ltd", 1, 162000, 162000, 0, None, None)]


def test_filters_by_organisation_tier_team_and_contract(report_world: ReportWorld):
    world = report_world
    acme_only = Scope(organisation_ids=[world.acme.organisation.pk], start=NOVEMBER[0], end=NOVEMBER[1])
    assert [row.label for row in responsiveness(acme_only).rows] == ["Acme Ltd"]
    premium = scope_of(world, start=dt.date(2026, 10, 1), tier=world.premium.pk)
    assert figures(responsiveness(premium)) == [("Nord Ltd", 1, 1800, 1800, 1, 3600, 3600)]
    essential_contract = world.nord.organisation.contracts.get(tier=world.essential)
    by_contract = scope_of(world, start=dt.date(2026, 10, 1), contract=essential_contract.pk)
    assert figures(responsiveness(by_contract)) == [("Nord Ltd", 1, 900, 900, 1, 21600, 21600)]
    # Operations owns Acme's tickets (Nord's belong to Nord desk); without ACME-3, ACME-1 and ACME-2 remain.
    team = world.tickets["ACME-1"].team
    assert team is not None and world.tickets["NORD-2"].team != team
    Ticket.objects.filter(pk=world.tickets["ACME-3"].pk).update(team=None)
    assert figures(responsiveness(scope_of(world, team=team.pk), group_by="team")) == [
        ("Operations", 2, 7200, 7200, 1, 10800, 10800),
    ]


# Volume


def volume_rows(report) -> list[tuple]:
    return [(row.label, row.months, row.total) for row in report.rows]


def test_volume_per_month_by_each_dimension(report_world: ReportWorld):
    """ACME-5 (1 December 01:00 in Copenhagen) was created on 30 November in the installation's time zone."""
    two_months = scope_of(report_world, start=dt.date(2026, 10, 1))
    by_type = volume(two_months)
    assert by_type.months == (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    assert volume_rows(by_type) == [("Incident ACME", (0, 5), 5), ("Incident NORD", (1, 1), 2)]
    assert (by_type.month_totals, by_type.total) == ((1, 6), 7)
    assert volume_rows(volume(two_months, dimension="priority")) == [
        ("P1", (0, 2), 2),
        ("P2", (1, 3), 4),
        ("P3", (0, 1), 1),
    ]
    assert volume_rows(volume(two_months, dimension="solution")) == [
        ("ACME PIM", (0, 5), 5),
        ("NORD PIM", (1, 1), 2),
    ]
    assert volume_rows(volume(two_months, dimension="channel")) == [("Web portal", (1, 6), 7)]


def test_volume_counts_tickets_without_a_solution_and_by_channel(report_world: ReportWorld):
    world = report_world
    Ticket.objects.filter(pk=world.tickets["ACME-4"].pk).update(solution=None, channel=Channel.PHONE)
    assert volume_rows(volume(scope_of(world), dimension="solution")) == [
        ("ACME PIM", (4,), 4),
        ("NORD PIM", (1,), 1),
        ("No solution", (1,), 1),
    ]
    assert volume_rows(volume(scope_of(world), dimension="channel")) == [("Web portal", (5,), 5), ("Phone", (1,), 1)]
    december = volume(scope_of(world, *month_period(dt.date(2026, 12, 1))))
    assert (december.months, december.rows, december.month_totals) == ((dt.date(2026, 12, 1),), (), (0,))


# Backlog and ageing


def backlog_rows(report) -> list[tuple]:
    return [(row.label, row.buckets, row.total) for row in report.rows]


def test_backlog_at_the_end_of_november(report_world: ReportWorld):
    """Open when November ended (Tuesday 1 December 04:00 in Copenhagen): ACME-2 and ACME-4, created Monday
    23 November, open six business days (24–27 and 30 November, 1 December); ACME-5, created that Tuesday,
    none. Resolved tickets are no backlog."""
    report = backlog(scope_of(report_world), now=REPORT_TIME)
    assert report.at == dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
    assert [f"{first}–{last}" if last else f"{first}+" for first, last in BUCKETS] == [
        "0–1", "2–5", "6–10", "11–20", "21+",
    ]  # fmt: skip
    assert backlog_rows(report) == [("Acme Ltd", (1, 0, 2, 0, 0), 3)]
    assert backlog_rows(backlog(scope_of(report_world), group_by="priority", now=REPORT_TIME)) == [
        ("P1", (0, 0, 1, 0, 0), 1),
        ("P2", (0, 0, 1, 0, 0), 1),
        ("P3", (1, 0, 0, 0, 0), 1),
    ]
    assert backlog_rows(backlog(scope_of(report_world), group_by="tier", now=REPORT_TIME)) == [
        ("Standard", (1, 0, 2, 0, 0), 3)
    ]
    assert (report.buckets, report.total) == ((1, 0, 2, 0, 0), 3)


def test_backlog_reads_the_status_the_ticket_had_then(report_world: ReportWorld, clock):
    """At the end of Monday 23 November ACME-3 was still open (resolved on the Tuesday); ACME-1 was resolved
    then, and reopened in December: it stays out of November's backlog."""
    world = report_world
    clock.set(cph(12, 1, 10))
    ticket_transition(actor=world.acme.requester, ticket=world.tickets["ACME-1"], to=Status.IN_PROGRESS)
    monday = scope_of(world, start=dt.date(2026, 11, 23), end=dt.date(2026, 11, 23))
    assert backlog_rows(backlog(monday)) == [("Acme Ltd", (3, 0, 0, 0, 0), 3)]
    assert backlog_rows(backlog(scope_of(world))) == [("Acme Ltd", (1, 0, 2, 0, 0), 3)]
    # December is not over: the backlog now, ACME-1 in it again.
    clock.set(cph(12, 1, 11))
    december = backlog(scope_of(world, *month_period(dt.date(2026, 12, 1))))
    assert december.at == clock()
    assert backlog_rows(december) == [("Acme Ltd", (1, 0, 3, 0, 0), 4)]


def test_ageing_skips_weekends_and_public_holidays(report_world: ReportWorld, clock):
    """Counted when December ended (1 January 2027, 04:00 in Copenhagen — New Year's Day, a holiday): a ticket
    of Friday 18 December has been open 8 business days (21–24, 28–31 December; not the weekends, not
    Christmas Day on the Friday), one of Wednesday 23 December 5 (24, 28–31). ACME-2 and ACME-4 (23 November)
    27, ACME-5 (1 December) 21."""
    world = report_world
    clock.set(cph(12, 18, 15))
    world.acme.ticket(title="Before the weekend")
    clock.set(cph(12, 23, 9))
    world.acme.ticket(title="Before Christmas")
    clock.set(dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC))
    report = backlog(scope_of(world, *month_period(dt.date(2026, 12, 1))))
    assert report.at == dt.datetime(2027, 1, 1, 3, tzinfo=dt.UTC)
    assert backlog_rows(report) == [("Acme Ltd", (0, 1, 1, 0, 3), 5)]


# Reopen rate


def reopen_rows(report) -> list[tuple]:
    return [(row.label, row.resolved, row.reopened, row.rate) for row in report.rows]


def test_reopen_rate(report_world: ReportWorld, clock):
    """Resolved in November: ACME-1, ACME-3 and NORD-2. ACME-1 is reopened by its requester in December (and
    resolved again), NORD-2 confirmed (closed): one of three reopened."""
    world = report_world
    assert reopen_rows(reopen_rate(scope_of(world))) == [
        ("Acme Ltd", 2, 0, Decimal("0.00")),
        ("Nord Ltd", 1, 0, Decimal("0.00")),
    ]
    clock.set(cph(12, 1, 10))
    ticket_transition(actor=world.acme.requester, ticket=world.tickets["ACME-1"], to=Status.IN_PROGRESS)
    ticket_transition(actor=world.nord.requester, ticket=world.tickets["NORD-2"], to=Status.CLOSED)
    clock.set(cph(12, 2, 10))
    ticket_transition(actor=world.consultant, ticket=world.tickets["ACME-1"], to=Status.RESOLVED, note="Again.")
    report = reopen_rate(scope_of(world))
    assert reopen_rows(report) == [("Acme Ltd", 2, 1, Decimal("50.00")), ("Nord Ltd", 1, 0, Decimal("0.00"))]
    assert (report.resolved, report.reopened, report.rate) == (3, 1, Decimal("33.33"))
    assert reopen_rows(reopen_rate(scope_of(world), group_by="priority")) == [
        ("P1", 1, 0, Decimal("0.00")),
        ("P2", 2, 1, Decimal("50.00")),
    ]
    two_months = scope_of(world, start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))
    assert reopen_rows(reopen_rate(two_months, group_by="month")) == [
        ("Oct 2026", 1, 0, Decimal("0.00")),
        ("Nov 2026", 3, 1, Decimal("33.33")),
        ("Dec 2026", 1, 0, Decimal("0.00")),
    ]
    # ACME-1 counts once in the three months together, reopened.
    assert (reopen_rate(two_months).resolved, reopen_rate(two_months).reopened) == (4, 1)
    assert reopen_rate(scope_of(world, *month_period(dt.date(2027, 1, 1)))).rate is None


# Satisfaction


def rate(ticket: Ticket, score: int, comment: str, at: dt.datetime, *, team=None, assignee=None, scale=5) -> Rating:
    resolution = TicketEvent.objects.filter(ticket=ticket, data__after=Status.RESOLVED).latest("created_at")
    return Rating.objects.create(
        organisation_id=ticket.organisation_id, ticket=ticket, resolution=resolution, requester=ticket.requester,
        team=team, assignee=assignee, score=score, scale=scale, comment=comment, created_at=at, updated_at=at,
    )  # fmt: skip


@pytest.fixture
def rated(report_world: ReportWorld) -> ReportWorld:
    """ACME-1 rated 5 ("Quick and kind."), ACME-3 rated 2 ("Took a day."), both worked by Carla of Operations;
    NORD-2 (Nord desk, Otto) not rated; NORD-1 rated 4 in October without a comment."""
    world = report_world
    operations = Team.objects.get(name="Operations")
    nord_desk = Team.objects.get(name="Nord desk")
    Ticket.objects.filter(pk=world.tickets["NORD-2"].pk).update(team=nord_desk, assignee=world.outsider)
    carla = {"team": operations, "assignee": world.consultant}
    rate(world.tickets["ACME-1"], 5, "Quick and kind.", cph(11, 23, 13), **carla)
    rate(world.tickets["ACME-3"], 2, "Took a day.", cph(11, 25, 9), **carla)
    rate(world.tickets["NORD-1"], 4, "", cph(10, 27, 9), team=nord_desk, assignee=world.outsider)
    return world


def satisfaction_rows(report) -> list[tuple]:
    return [(row.label, row.offered, row.ratings, row.response_rate, row.score, row.scores) for row in report.rows]


def test_satisfaction_per_contract_team_and_consultant(rated: ReportWorld):
    world = rated
    acme_contract = world.acme.organisation.contracts.get()
    report = satisfaction(scope_of(world))
    assert satisfaction_rows(report) == [
        (f"Acme Ltd · Standard from {acme_contract.starts_on.isoformat()}", 2, 2, Decimal("100.00"),
         Decimal("3.50"), (0, 1, 0, 0, 1)),
        ("Nord Ltd · Premium from 2026-11-01", 1, 0, Decimal("0.00"), None, (0, 0, 0, 0, 0)),
    ]  # fmt: skip
    assert (report.total.offered, report.total.ratings, report.total.response_rate, report.total.score) == (
        3, 2, Decimal("66.67"), Decimal("3.50")
    )  # fmt: skip
    assert [(c.ticket_key, c.organisation, c.score, c.comment, c.team, c.consultant) for c in report.comments] == [
        ("ACME-3", "Acme Ltd", 2, "Took a day.", "Operations", "Carla Consultant"),
        ("ACME-1", "Acme Ltd", 5, "Quick and kind.", "Operations", "Carla Consultant"),
    ]
    assert report.comment_count == 2
    assert satisfaction_rows(satisfaction(scope_of(world), group_by="team")) == [
        ("Nord desk", 1, 0, Decimal("0.00"), None, (0, 0, 0, 0, 0)),
        ("Operations", 2, 2, Decimal("100.00"), Decimal("3.50"), (0, 1, 0, 0, 1)),
    ]
    assert satisfaction_rows(satisfaction(scope_of(world), group_by="consultant")) == [
        ("Carla Consultant", 2, 2, Decimal("100.00"), Decimal("3.50"), (0, 1, 0, 0, 1)),
        ("Otto Outsider", 1, 0, Decimal("0.00"), None, (0, 0, 0, 0, 0)),
    ]
    two_months = scope_of(world, start=dt.date(2026, 10, 1))
    assert satisfaction_rows(satisfaction(two_months, group_by="tier")) == [
        ("Essential", 1, 1, Decimal("100.00"), Decimal("4.00"), (0, 0, 0, 1, 0)),
        ("Standard", 2, 2, Decimal("100.00"), Decimal("3.50"), (0, 1, 0, 0, 1)),
        ("Premium", 1, 0, Decimal("0.00"), None, (0, 0, 0, 0, 0)),
    ]


def test_scores_on_a_three_point_scale_count_on_the_five_point_one(rated: ReportWorld):
    """NORD-2 rated 2 of 3 (a middling 3 of 5) and ACME-3's 2 of 5 changed to 1 of 3 (1 of 5): Acme's mean
    becomes (5 + 1) ÷ 2, Nord's 3."""
    world = rated
    rate(world.tickets["NORD-2"], 2, "", cph(11, 24, 9), scale=3)
    Rating.objects.filter(ticket=world.tickets["ACME-3"]).update(score=1, scale=3)
    report = satisfaction(scope_of(world), group_by="organisation")
    assert satisfaction_rows(report) == [
        ("Acme Ltd", 2, 2, Decimal("100.00"), Decimal("3.00"), (1, 0, 0, 0, 1)),
        ("Nord Ltd", 1, 1, Decimal("100.00"), Decimal("3.00"), (0, 0, 1, 0, 0)),
    ]
    assert [(c.ticket_key, c.score, c.scale) for c in report.comments] == [("ACME-3", 1, 3), ("ACME-1", 5, 5)]


def test_satisfaction_filters_and_comment_limit(rated: ReportWorld):
    world = rated
    operations = Team.objects.get(name="Operations")
    by_team = satisfaction(scope_of(world, team=operations.pk), group_by="organisation")
    assert satisfaction_rows(by_team) == [("Acme Ltd", 2, 2, Decimal("100.00"), Decimal("3.50"), (0, 1, 0, 0, 1))]
    limited = satisfaction(scope_of(world), comments=1)
    assert ([c.ticket_key for c in limited.comments], limited.comment_count) == (["ACME-3"], 2)
    nord = Scope(organisation_ids=[world.nord.organisation.pk], start=dt.date(2026, 10, 1), end=NOVEMBER[1])
    assert [row.label for row in satisfaction(nord, group_by="organisation").rows] == ["Nord Ltd"]
    assert satisfaction(nord).comments == ()


# Hours used


@pytest.fixture
def logged(report_world: ReportWorld, clock) -> ReportWorld:
    """Acme's contract rounds each entry up to 15 minutes and charges weekends × 1.5. Carla logs 50 minutes on
    ACME-1 on Monday 23 November (debited 60) and 60 minutes on ACME-3 on Saturday 28 November from 10:00
    (debited 90); Otto 30 minutes on NORD-2, not billable (our defect). The manager charges Acme 30 minutes
    and adds 60 in November."""
    world = report_world
    contract = world.acme.organisation.contracts.get()
    HourTerms.objects.create(contract=contract, included_minutes=600, rounding_minutes=15, weekend_rate=Decimal("1.5"))
    time_log(actor=world.consultant, ticket=world.tickets["ACME-1"], minutes=50, work_date=dt.date(2026, 11, 23))
    time_log(actor=world.consultant, ticket=world.tickets["ACME-3"], minutes=60, started_at=cph(11, 28, 10))
    time_log(actor=world.outsider, ticket=world.tickets["NORD-2"], minutes=30, work_date=dt.date(2026, 11, 23),
             billable=False, non_billable_reason=NonBillableReason.OUR_DEFECT)  # fmt: skip
    ledger_adjust(actor=world.manager, contract=contract, month=dt.date(2026, 11, 1), minutes=-30, reason="Call")
    ledger_adjust(actor=world.manager, contract=contract, month=dt.date(2026, 11, 1), minutes=60, reason="Credit")
    return world


def hours_rows(report) -> list[tuple]:
    return [
        (row.label, row.entries, row.billable_minutes, row.non_billable_minutes, row.debited_minutes,
         row.charged_minutes, row.added_minutes, row.used_minutes)
        for row in report.rows
    ]  # fmt: skip


def test_hours_used_per_customer_equal_the_hour_bank(logged: ReportWorld):
    world = logged
    report = hours_used(scope_of(world))
    assert hours_rows(report) == [
        ("Acme Ltd", 2, 110, 0, 150, 30, 60, 180),
        ("Nord Ltd", 1, 0, 30, 0, 0, 0, 0),
    ]
    bank = bank_month(world.acme.organisation.contracts.get(), dt.date(2026, 11, 1))
    assert (bank.used, bank.added) == (report.rows[0].used_minutes, report.rows[0].added_minutes) == (180, 60)
    assert (report.total.worked_minutes, report.total.used_minutes) == (140, 180)


def test_hours_used_per_consultant_and_filters(logged: ReportWorld):
    world = logged
    assert hours_rows(hours_used(scope_of(world), group_by="consultant")) == [
        ("Carla Consultant", 2, 110, 0, 150, 0, 0, 150),
        ("Otto Outsider", 1, 0, 30, 0, 0, 0, 0),
    ]
    # A team filter leaves the adjustments out: they belong to no team.
    operations = Team.objects.get(name="Operations")
    assert hours_rows(hours_used(scope_of(world, team=operations.pk))) == [("Acme Ltd", 2, 110, 0, 150, 0, 0, 150)]
    assert hours_rows(hours_used(scope_of(world, tier=world.premium.pk))) == [("Nord Ltd", 1, 0, 30, 0, 0, 0, 0)]
    assert hours_used(scope_of(world, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))).rows == ()


# Queries


def grow(world: ReportWorld, count: int) -> None:
    """`count` more November tickets of Acme, each answered by Carla, resolved, rated, reopened every third,
    with an hour logged: every figure has more to count."""
    from tests.reports.test_sla_report import add_tickets

    before = set(Ticket.objects.values_list("pk", flat=True))
    add_tickets(world.acme, count)
    tickets = list(Ticket.objects.exclude(pk__in=before).order_by("pk"))
    events, ratings = [], []

    def event(ticket: Ticket, kind: str, actor, minutes: int, **data) -> TicketEvent:
        at = ticket.created_at + dt.timedelta(minutes=minutes)
        return TicketEvent(ticket=ticket, organisation_id=ticket.organisation_id, kind=kind, public=True,
                           actor=actor, body="", data=data, created_at=at)  # fmt: skip

    for ticket in tickets:
        events.append(event(ticket, "public_reply", world.consultant, 5))
        resolved = {"field": "status", "before": "in_progress", "after": "resolved"}
        events.append(event(ticket, "status_changed", world.consultant, 120, **resolved))
        if ticket.number % 3 == 0:
            reopened = {"field": "status", "before": "resolved", "after": "in_progress"}
            events.append(event(ticket, "status_changed", ticket.requester, 180, **reopened))
    TicketEvent.objects.bulk_create(events)
    for resolution in TicketEvent.objects.filter(ticket__in=tickets, data__after="resolved"):
        ratings.append(Rating(organisation_id=resolution.organisation_id, ticket_id=resolution.ticket_id,
                              resolution=resolution, requester=world.acme.requester, score=1 + resolution.pk % 5,
                              comment="Fine." if resolution.pk % 2 else "", created_at=resolution.created_at,
                              updated_at=resolution.created_at))  # fmt: skip
    Rating.objects.bulk_create(ratings)
    contract = world.acme.organisation.contracts.get()
    from picocore.hours.models import TimeEntry

    TimeEntry.objects.bulk_create(
        TimeEntry(organisation_id=ticket.organisation_id, ticket=ticket, contract=contract, author=world.consultant,
                  work_date=dt.date(2026, 11, 20), month=dt.date(2026, 11, 1), minutes=60, debited_minutes=60)
        for ticket in tickets
    )  # fmt: skip


METRICS = {
    "backlog": lambda scope: backlog(scope, group_by="team"),
    "volume": lambda scope: volume(scope, dimension="solution"),
    "responsiveness": lambda scope: responsiveness(scope, group_by="month"),
    "reopen_rate": lambda scope: reopen_rate(scope, group_by="tier"),
    "hours_used": lambda scope: hours_used(scope, group_by="consultant"),
    "satisfaction": lambda scope: satisfaction(scope, group_by="consultant"),
}


def test_each_figure_runs_the_same_queries_at_two_data_sizes(report_world: ReportWorld):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = scope_of(report_world, start=dt.date(2026, 10, 1))

    def measure() -> dict[str, int]:
        counts = {}
        for name, figure in METRICS.items():
            with CaptureQueriesContext(connection) as queries:
                figure(scope)
            counts[name] = len(queries)
        return counts

    grow(report_world, 5)
    small = measure()
    small_volume = volume(scope).total
    grow(report_world, 60)
    assert volume(scope).total == small_volume + 60
    # On PostgreSQL each figure also turns the JIT compiler off for its savepoint (`without_jit`).
    jit = 3 if connection.vendor == "postgresql" else 0
    expected = {
        "backlog": 7,  # contracts, 3 × calendar, unchanged open tickets, tickets changed since, team names
        "volume": 3,  # contracts, tickets, solution names
        "responsiveness": 6,  # contracts, 3 × calendar, first answers, resolutions
        "reopen_rate": 3,  # contracts, grouped, totals
        "hours_used": 3,  # contracts, entries, names
        "satisfaction": 5,  # contracts, unrated, rated, comments, their count (no consultant to name)
    }
    assert measure() == small == {name: count + jit for name, count in expected.items()}
