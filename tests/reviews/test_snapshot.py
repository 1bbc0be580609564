"""The review's snapshot against a hand-built January, its equality with the reports and the ledger, and
that it is frozen and made once."""

import datetime as dt

import pytest

from picocore.hours import selectors as hours
from picocore.reports.selectors import ReportFilters, sla_compliance_report
from picocore.reviews import figures as review_figures
from picocore.reviews.figures import reader
from picocore.reviews.making import review_make
from picocore.reviews.models import ServiceReview
from picocore.reviews.selectors import snapshot_of
from picocore.reviews.snapshot import Compliance, MissedTarget, Snapshot
from picocore.reviews.tasks import make_due_reviews
from picocore.satisfaction.models import Rating
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.reviews.conftest import JANUARY
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def test_the_snapshot_holds_januarys_figures(review, january, acme):
    snapshot = snapshot_of(review)
    assert (snapshot.organisation, snapshot.month, review.month) == ("Acme Ltd", JANUARY, JANUARY)
    sla = snapshot.sla
    assert sla.tickets == 2
    assert sla.response == Compliance(met=1, missed=1, median_seconds=1200, p90_seconds=1200, compliance="50.00")
    assert sla.resolution == Compliance(met=0, missed=1, median_seconds=18000, p90_seconds=18000, compliance="0.00")
    started = january.incident.created_at
    assert sla.missed == (
        MissedTarget(
            key="ACME-1",
            title="Prices missing in the shop",
            priority=january.incident.priority,
            metric="resolution",
            target_seconds=7200,
            breached_at=started + dt.timedelta(hours=2),
            stopped_at=started + dt.timedelta(hours=5),
        ),
        MissedTarget(
            key="ACME-2",
            title="Import stuck",
            priority=january.waiting.priority,
            metric="first_response",
            target_seconds=3600,
            breached_at=january.waiting.created_at + dt.timedelta(hours=1),
            stopped_at=None,
        ),
    )
    hours_ = snapshot.hours
    assert (hours_.has_bank, hours_.included, hours_.used, hours_.remaining, hours_.overage) == (True, 600, 90, 510, 0)
    assert snapshot.volume.created == 4 and snapshot.volume.resolved == 1
    by_type = [(c.label, c.count) for c in snapshot.volume.by_type]
    assert by_type == [("Incident ACME", 3), ("Change to the solution", 1)]  # the volume report's request types
    satisfaction = snapshot.satisfaction
    assert (satisfaction.ratings, satisfaction.average, satisfaction.scale) == (1, "4.00", 5)
    assert [(c.value, c.count) for c in satisfaction.by_score] == [("5", 0), ("4", 1), ("3", 0), ("2", 0), ("1", 0)]
    assert [(c.key, c.score, c.comment) for c in satisfaction.comments] == [("ACME-1", 4, "Quick and kind.")]
    assert [(i.key, i.team, i.milestone) for i in snapshot.development.items] == [("ACME-3", "Platform", "handed_over")]
    assert [(m.key, m.milestone) for m in snapshot.development.milestones] == [("ACME-3", "handed_over")]
    assert [line.key for line in snapshot.changes] == ["ACME-3"] and snapshot.changes_count == 1
    assert [(line.key, line.priority, line.title) for line in snapshot.major_incidents] == [("ACME-4", 1, "Shop down")]
    assert snapshot.major_incidents_count == 1


def test_long_lists_are_cut_and_say_so(contract, january, acme, clock, monkeypatch, client, manager):
    monkeypatch.setattr(review_figures, "MAX_LISTED", 1)
    acme.ticket(title="Shop down again", impact="high", urgency="high")
    clock.set(dt.datetime(2027, 2, 1, 9, 0, tzinfo=CPH))
    review = review_make(contract=contract, month=JANUARY)[0]
    snapshot = snapshot_of(review)
    assert ([line.key for line in snapshot.major_incidents], snapshot.major_incidents_count) == (["ACME-4"], 2)
    assert [line.key for line in snapshot.sla.missed] == ["ACME-1"]
    client.force_login(manager)
    page = client.get(f"/desk/reviews/{review.pk}/").content.decode()
    assert "The first 1 of 2 are listed." in page and "The first 1 of 2 missed targets are listed." in page


def test_the_reviews_figures_equal_the_reports_and_the_ledger(review, contract, clock):
    """The same contract and month in the SLA report (as a service manager sees it) and in the hour bank."""
    snapshot = snapshot_of(review)
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    report = sla_compliance_report(
        actor=manager,
        filters=ReportFilters(JANUARY, JANUARY, organisation=contract.organisation_id),
        now=review.made_at,
    )
    (row,) = report.rows
    assert snapshot.sla.tickets == row.tickets
    for stored, figures in ((snapshot.sla.response, row.response), (snapshot.sla.resolution, row.resolution)):
        assert (stored.met, stored.missed, stored.median_seconds, stored.p90_seconds, stored.compliance) == (
            figures.met,
            figures.missed,
            figures.median,
            figures.p90,
            str(figures.compliance),
        )
    figures = hours.bank_month(contract, JANUARY)
    assert (
        snapshot.hours.included,
        snapshot.hours.carried_in,
        snapshot.hours.added,
        snapshot.hours.used,
        snapshot.hours.remaining,
        snapshot.hours.overage,
        snapshot.hours.carried_out,
    ) == (
        figures.included,
        figures.carried_in,
        figures.added,
        figures.used,
        figures.remaining,
        figures.overage,
        figures.carried_out_minutes,
    )


def test_the_snapshot_is_frozen_and_made_once(review, contract, january, acme):
    before = dict(review.snapshot)
    Rating.objects.update(score=1)
    again, made = review_make(contract=contract, month=JANUARY)
    assert (again.pk, made) == (review.pk, False)
    assert ServiceReview.objects.get().snapshot == before
    assert snapshot_of(ServiceReview.objects.get()).satisfaction.average == "4.00"


def test_the_schedule_makes_each_review_once(contract, january, clock):
    clock.set(dt.datetime(2027, 1, 31, 23, 0, tzinfo=CPH))
    assert make_due_reviews() == 0  # January is not over
    clock.set(dt.datetime(2027, 2, 1, 0, 30, tzinfo=CPH))  # the first business day of February, before opening
    assert make_due_reviews() == 1
    assert make_due_reviews() == 0  # a retried run
    clock.set(dt.datetime(2027, 2, 2, 9, 0, tzinfo=CPH))
    assert make_due_reviews() == 0
    assert list(ServiceReview.objects.values_list("contract_id", "month")) == [(contract.pk, JANUARY)]


def test_a_contract_starting_later_gets_no_review_of_the_month_before(contract, clock):
    contract.starts_on = dt.date(2027, 2, 1)
    contract.save()
    clock.set(dt.datetime(2027, 2, 1, 9, 0, tzinfo=CPH))
    assert make_due_reviews() == 0
    assert not ServiceReview.objects.exists()


def test_a_review_after_new_year_waits_for_the_first_business_day(contract, clock):
    """1 January 2028 is a Saturday: December 2027's review is made on Monday 3 January."""
    for moment in (dt.datetime(2028, 1, 1, 12, 0, tzinfo=CPH), dt.datetime(2028, 1, 2, 12, 0, tzinfo=CPH)):
        clock.set(moment)
        assert make_due_reviews() == 0
    clock.set(dt.datetime(2028, 1, 3, 8, 0, tzinfo=CPH))
    assert make_due_reviews() == 1
    assert ServiceReview.objects.get().month == dt.date(2027, 12, 1)


def test_stored_data_reads_back_tolerantly():
    snapshot = Snapshot(organisation="Acme", month=JANUARY)
    assert Snapshot.from_data(snapshot.to_data()) == snapshot
    assert Snapshot.from_data({"organisation": "Acme", "unknown": 1}).sla.response == Compliance()


def test_the_reader_sees_every_organisation_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        user = reader()
        from picocore.tenancy.scope import served_organisations

        served_organisations(user)


def test_a_review_after_a_public_holiday_waits_for_the_next_business_day(contract, clock):
    """1 January 2027 is New Year's Day, a Friday: December 2026's review is made on Monday 4 January."""
    contract.starts_on = dt.date(2026, 12, 1)
    contract.save()
    for moment in (dt.datetime(2027, 1, 1, 10, 0, tzinfo=CPH), dt.datetime(2027, 1, 3, 23, 59, tzinfo=CPH)):
        clock.set(moment)
        assert make_due_reviews() == 0
    clock.set(dt.datetime(2027, 1, 4, 0, 1, tzinfo=CPH))
    assert make_due_reviews() == 1
    assert ServiceReview.objects.get().month == dt.date(2026, 12, 1)
