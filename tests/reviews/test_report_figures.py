"""The review's MTTA/MTTR, backlog and ageing, reopen rate, satisfaction and volume against the reports: a
January of Acme's hour-bank contract (Copenhagen office calendar, Monday to Friday 08:00–16:00) worked by the
desk, read by the report pages' presenters for the same customer and month, and by hand.

Times are Copenhagen's (the tests run in America/Santiago, four hours behind in January: the month counted is
Santiago's, from 1 January 04:00 to 1 February 04:00 in Copenhagen, and the backlog's last day counted is
Monday 1 February in the calendar's zone)::

    ACME-1  Mon 4 Jan 09:00   reply 09:30 (30 min)    resolved 12:00 (3 h), rated 5 "Spot on."
    ACME-2  Mon 4 Jan 09:00   no reply                open all month: 20 business days (5 Jan – 1 Feb)
    ACME-3  Tue 5 Jan 15:00   reply Wed 09:00 (2 h)   resolved Wed 10:00, reopened Thu 09:00 by the requester,
                                                     resolved Fri 8 Jan 14:00 (23 h), rated 2
    ACME-4  Mon 18 Jan 09:00  reply 13:00 (4 h)       open: 10 business days
    ACME-5  Mon 25 Jan 09:00  by phone                open: 5 business days
    ACME-6  Fri 29 Jan 10:00                          open: 1 business day (Monday 1 February)
    NORD-1  Mon 11 Jan 10:00  reply 10:30             resolved 11:00, rated 1 "Nord only."  (other customer)
    NORD-2  Tue 12 Jan 09:00                          open                                    (other customer)
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.catalog.choices import Urgency
from picocore.contracts.models import Contract
from picocore.hours.selectors import every_terms
from picocore.reports import metrics, presenters
from picocore.reports.selectors import report_choices, report_scope
from picocore.reviews import figures
from picocore.reviews.making import review_make
from picocore.reviews.models import ServiceReview
from picocore.reviews.pdf import review_html
from picocore.reviews.selectors import snapshot_of
from picocore.reviews.services import review_send
from picocore.reviews.snapshot import Bucket, Snapshot, Timing
from picocore.satisfaction.models import Rating
from picocore.tenancy.choices import StaffRole
from picocore.tickets.choices import Channel, Status
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.services import ticket_reply, ticket_transition
from tests import factories
from tests.conftest import Customer
from tests.reviews.conftest import JANUARY
from tests.reviews.test_pages import pdf_text
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db

MADE_AT = dt.datetime(2027, 2, 1, 7, 0, tzinfo=CPH)


def cph(day: int, hour: int, minute: int = 0, month: int = 1) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, minute, tzinfo=CPH)


def rate(ticket: Ticket, score: int, comment: str, at: dt.datetime) -> Rating:
    resolution = TicketEvent.objects.filter(ticket=ticket, data__after=Status.RESOLVED).latest("created_at", "pk")
    return Rating.objects.create(
        organisation_id=ticket.organisation_id, ticket=ticket, resolution=resolution, requester=ticket.requester,
        score=score, comment=comment, created_at=at, updated_at=at,
    )  # fmt: skip


@dataclass
class Desk:
    """Who works the tickets, and the moving clock."""

    consultant: object
    clock: object

    def at(self, moment: dt.datetime) -> "Desk":
        self.clock.set(moment)
        return self

    def reply(self, ticket: Ticket) -> None:
        ticket_reply(actor=self.consultant, ticket=ticket, body="Looking into it.")

    def resolve(self, ticket: Ticket) -> None:
        ticket.refresh_from_db()
        if ticket.status != Status.IN_PROGRESS:
            ticket_transition(actor=self.consultant, ticket=ticket, to=Status.IN_PROGRESS)
        ticket_transition(actor=self.consultant, ticket=ticket, to=Status.RESOLVED, note="Fixed.")


def work_january(acme: Customer, nord: Customer, desk: Desk) -> dict[str, Ticket]:
    tickets: dict[str, Ticket] = {}
    desk.at(cph(4, 9))
    tickets["ACME-1"] = acme.ticket(title="Prices missing")
    tickets["ACME-2"] = acme.ticket(title="Old import", urgency=Urgency.HIGH)
    desk.at(cph(4, 9, 30)).reply(tickets["ACME-1"])
    desk.at(cph(4, 12)).resolve(tickets["ACME-1"])
    rate(tickets["ACME-1"], 5, "Spot on.", cph(4, 13))
    desk.at(cph(5, 15))
    tickets["ACME-3"] = acme.ticket(title="Search slow")
    desk.at(cph(6, 9)).reply(tickets["ACME-3"])
    desk.at(cph(6, 10)).resolve(tickets["ACME-3"])
    desk.at(cph(7, 9))
    tickets["ACME-3"].refresh_from_db()
    ticket_transition(actor=acme.requester, ticket=tickets["ACME-3"], to=Status.IN_PROGRESS)  # reopened
    desk.at(cph(8, 14)).resolve(tickets["ACME-3"])
    rate(tickets["ACME-3"], 2, "", cph(8, 15))
    desk.at(cph(11, 10))
    tickets["NORD-1"] = nord.ticket(title="Nord feed stalled")
    desk.at(cph(11, 10, 30)).reply(tickets["NORD-1"])
    desk.at(cph(11, 11)).resolve(tickets["NORD-1"])
    rate(tickets["NORD-1"], 1, "Nord only.", cph(11, 12))
    desk.at(cph(12, 9))
    tickets["NORD-2"] = nord.ticket(title="Nord export broken")
    desk.at(cph(18, 9))
    tickets["ACME-4"] = acme.ticket(title="Menu broken")
    desk.at(cph(18, 13)).reply(tickets["ACME-4"])
    desk.at(cph(25, 9))
    tickets["ACME-5"] = acme.ticket(title="Called about invoices", channel=Channel.PHONE)
    desk.at(cph(29, 10))
    tickets["ACME-6"] = acme.ticket(title="Typo on a page")
    desk.at(MADE_AT)
    assert [tickets[key].key for key in tickets] == list(tickets)
    return tickets


@pytest.fixture
def desk(consultant, clock) -> Desk:
    return Desk(consultant=consultant, clock=clock)


@pytest.fixture
def worked(acme, nord, contract, desk) -> dict[str, Ticket]:
    return work_january(acme, nord, desk)


@pytest.fixture
def snapshot(contract, worked) -> Snapshot:
    return snapshot_of(review_make(contract=contract, month=JANUARY, at=MADE_AT)[0])


def page_scope(contract: Contract) -> metrics.Scope:
    """The scope the report pages count for a service manager who picks Acme and January."""
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    return report_scope(
        choices=report_choices(manager), month_from=JANUARY, month_to=JANUARY, organisation=contract.organisation_id
    )


def totals(shown: presenters.Shown) -> list:
    assert shown.table.total is not None
    return shown.table.total.cells


def test_the_review_counts_januarys_figures_by_hand(snapshot):
    hour = 3600
    assert snapshot.version == 2
    assert snapshot.responsiveness is not None and snapshot.backlog is not None and snapshot.reopens is not None
    # MTTA: 30 min, 2 h (Tue 15–16, Wed 8–9), 4 h. MTTR: 3 h, and 23 h for ACME-3 (Tue 1 h, Wed 8, Thu 8, Fri 6).
    assert snapshot.responsiveness.acknowledge == Timing(count=3, mean_seconds=7800, median_seconds=2 * hour)
    assert snapshot.responsiveness.resolve == Timing(count=2, mean_seconds=13 * hour, median_seconds=13 * hour)
    assert snapshot.backlog.buckets == (
        Bucket(0, 1, 1),  # ACME-6
        Bucket(2, 5, 1),  # ACME-5
        Bucket(6, 10, 1),  # ACME-4
        Bucket(11, 20, 1),  # ACME-2
        Bucket(21, None, 0),
    )
    assert snapshot.backlog.at == cph(1, 4, month=2)  # the month's end in the installation's time zone
    assert (snapshot.reopens.resolved, snapshot.reopens.reopened, snapshot.reopens.rate) == (2, 1, "50.00")
    sat = snapshot.satisfaction
    assert (sat.offered, sat.ratings, sat.response_rate, sat.average, sat.scale) == (3, 2, "66.67", "3.50", 5)
    assert [(c.value, c.count) for c in sat.by_score] == [("5", 1), ("4", 0), ("3", 0), ("2", 1), ("1", 0)]
    assert [(c.key, c.score, c.scale, c.comment) for c in sat.comments] == [("ACME-1", 5, 5, "Spot on.")]
    assert sat.comments_count == 1
    volume = snapshot.volume
    assert (volume.created, volume.resolved) == (6, 2)
    assert [(c.label, c.count) for c in volume.by_type] == [("Incident ACME", 6)]
    assert [(c.label, c.count) for c in volume.by_channel] == [("Web portal", 5), ("Phone", 1)]
    assert sum(c.count for c in volume.by_priority) == sum(c.count for c in volume.by_solution) == 6
    assert len(volume.by_priority) == 2  # ACME-2's high urgency


def test_every_figure_equals_the_report_pages(snapshot, contract):
    """The presenters the report pages show, for Acme and January as a service manager picks them; and the
    metrics themselves for the review's own scope (this contract)."""
    scope = page_scope(contract)
    period = "January 2027"
    responsiveness = snapshot.responsiveness
    assert responsiveness is not None
    ack, res = responsiveness.acknowledge, responsiveness.resolve
    assert totals(presenters.show_response_times(scope, "organisation", period)) == [
        ack.count, ack.mean_seconds, ack.median_seconds, res.count, res.mean_seconds, res.median_seconds,
    ]  # fmt: skip
    backlog = snapshot.backlog
    assert backlog is not None
    assert totals(presenters.show_backlog(scope, "organisation", period)) == [
        *(bucket.count for bucket in backlog.buckets),
        backlog.total,
    ]
    reopens = snapshot.reopens
    assert reopens is not None
    assert totals(presenters.show_reopens(scope, "organisation", period)) == [
        reopens.resolved,
        reopens.reopened,
        Decimal(reopens.rate or "NaN"),
    ]
    sat = snapshot.satisfaction
    shown = presenters.show_satisfaction(scope, "contract", period)
    offered, ratings, response_rate, score, *scores = totals(shown)
    assert (offered, ratings, str(response_rate), str(score)) == (
        sat.offered,
        sat.ratings,
        sat.response_rate,
        sat.average,
    )
    assert scores[::-1] == [count.count for count in sat.by_score]
    assert [(c.ticket_key, c.score, c.comment) for c in shown.extra["comments"]] == [
        (c.key, c.score, c.comment) for c in sat.comments
    ]
    assert shown.extra["comment_count"] == sat.comments_count
    volume = snapshot.volume
    for dimension, stored in (
        ("request_type", volume.by_type),
        ("priority", volume.by_priority),
        ("solution", volume.by_solution),
        ("channel", volume.by_channel),
    ):
        table = presenters.show_volume(scope, dimension, period).table
        assert [(row.label, row.cells[-1]) for row in table.rows] == [(c.label, c.count) for c in stored]
        assert totals(presenters.show_volume(scope, dimension, period))[-1] == volume.created
    # The review's own scope: the contract's organisation and month, tickets created under the contract.
    own = figures.month_scope(contract, JANUARY)
    assert (own.organisation_ids, own.start, own.end, own.contract) == (
        {contract.organisation_id},
        scope.start,
        scope.end,
        contract.pk,
    )
    assert metrics.responsiveness(own).resolve.count == res.count == volume.resolved
    assert metrics.reopen_rate(own).rate == Decimal("50.00")
    assert metrics.backlog(own, now=MADE_AT).buckets == tuple(bucket.count for bucket in backlog.buckets)
    assert metrics.satisfaction(own).total.offered == sat.offered


def test_other_customers_and_other_contracts_stay_out(acme, nord, contract, desk, worked):
    """Nord's January (worked, rated, open) is in no figure of Acme's review; nor are the tickets created under
    Acme's next contract (from Saturday 30 January), nor is Nord's review made of Acme's tickets."""
    later = Contract.objects.create(organisation=acme.organisation, tier=contract.tier, starts_on=dt.date(2027, 1, 30))
    desk.at(cph(30, 10))
    next_contract = acme.ticket(title="Under the next contract", channel=Channel.PHONE)
    desk.at(cph(30, 10, 30)).reply(next_contract)
    desk.at(cph(30, 11)).resolve(next_contract)
    rate(next_contract, 1, "Next contract.", cph(30, 12))
    desk.at(MADE_AT)
    snapshot = snapshot_of(review_make(contract=contract, month=JANUARY, at=MADE_AT)[0])
    assert snapshot.responsiveness is not None and snapshot.reopens is not None and snapshot.backlog is not None
    assert (snapshot.responsiveness.acknowledge.count, snapshot.responsiveness.resolve.count) == (3, 2)
    assert (snapshot.reopens.resolved, snapshot.backlog.total, snapshot.volume.created) == (2, 4, 6)
    assert (snapshot.satisfaction.offered, snapshot.satisfaction.ratings) == (3, 2)
    assert [c.comment for c in snapshot.satisfaction.comments] == ["Spot on."]
    assert [(c.label, c.count) for c in snapshot.volume.by_channel] == [("Web portal", 5), ("Phone", 1)]
    # The next contract's review of January holds its one ticket, and Nord's only Nord's.
    theirs = snapshot_of(review_make(contract=later, month=JANUARY, at=MADE_AT)[0])
    assert theirs.volume.created == 1 and [c.comment for c in theirs.satisfaction.comments] == ["Next contract."]
    nords = snapshot_of(review_make(contract=nord.organisation.contracts.get(), month=JANUARY, at=MADE_AT)[0])
    assert nords.organisation == "Nord Ltd"
    assert nords.volume.created == 2 and nords.backlog is not None and nords.backlog.total == 1
    assert [c.comment for c in nords.satisfaction.comments] == ["Nord only."]
    assert nords.hours.used == 0


def test_making_a_snapshot_reads_as_many_queries_however_much_january_holds(acme, nord, contract, desk, worked):
    def counted() -> int:
        fresh = Contract.objects.get(pk=contract.pk)  # as the schedule reads it: nothing cached on it yet
        every_terms()  # reference data the process keeps (read again once after any change to it)
        with CaptureQueriesContext(connection) as queries:
            figures.contract_month(fresh, JANUARY, at=MADE_AT).to_data()
        return len(queries)

    before = counted()
    for day in (13, 14, 20, 21, 26):
        desk.at(cph(day, 9))
        more = [acme.ticket(title=f"More on the {day}th", channel=channel) for channel in (Channel.WEB, Channel.PHONE)]
        more.append(acme.ticket(title=f"Urgent on the {day}th", urgency=Urgency.HIGH))
        desk.at(cph(day, 10)).reply(more[0])
        desk.at(cph(day, 11)).resolve(more[0])
        rate(more[0], 3, "Fine.", cph(day, 12))
        desk.at(cph(day, 13)).resolve(more[1])
        desk.at(cph(day, 14))
        ticket_transition(actor=acme.requester, ticket=more[1], to=Status.IN_PROGRESS)
    desk.at(MADE_AT)
    snapshot = figures.contract_month(contract, JANUARY, at=MADE_AT)
    assert snapshot.volume.created == 6 + 15 and snapshot.satisfaction.ratings == 2 + 5
    assert counted() == before


def test_the_pages_and_the_pdf_show_the_new_sections_with_their_notes(client, contract, worked, manager, acme):
    review = review_make(contract=contract, month=JANUARY, at=MADE_AT)[0]
    client.force_login(manager)
    desk = client.get(f"/desk/reviews/{review.pk}/").content.decode()
    html = review_html(review, snapshot_of(review))
    review_send(actor=manager, review_id=review.pk)
    client.force_login(acme.admin)
    portal = client.get(reverse("portal:review", args=[review.pk])).content.decode()
    for text in (desk, html, portal):
        assert "MTTA and MTTR" in text and "Backlog and ageing" in text and "Reopen rate" in text
        assert "11–20 days" in text and "more than 20 days" in text
        assert "the first public reply by a member of staff" in text  # the report's note on MTTA
        assert "Business days open: the days with opening hours" in text
        assert "Reopen rate: reopened ÷ resolved." in text
        assert "Resolutions offered: the changes to resolved within the period" in text
        assert "67 %" in text  # the response rate, as the SLA shares are shown
        assert "Created, by solution" in text
    pdf = pdf_text(client.get(reverse("portal:review_pdf", args=[review.pk])))
    assert "MTTA and MTTR" in pdf and "Backlog and ageing" in pdf and "Reopen rate" in pdf and "Spot on." in pdf


def test_a_review_stored_before_these_figures_still_loads_and_shows(client, contract, worked, manager, acme):
    """A version-1 snapshot (no MTTA/MTTR, backlog, reopens; satisfaction on the tier's scale; volume by ticket
    type) reads with the new sections absent and renders on the desk, in the portal and as a PDF."""
    old = {
        "version": 1,
        "organisation": "Acme Ltd",
        "tier": "Standard",
        "month": "2027-01-01",
        "time_zone": "America/Santiago",
        "made_at": "2027-02-01T06:00:00+00:00",
        "sla": {"tickets": 0, "response": {"met": 0, "missed": 0}, "missed": []},
        "volume": {"created": 4, "resolved": 1, "by_type": [{"value": "incident", "label": "Incident", "count": 4}]},
        "hours": {"has_bank": True, "included": 600, "used": 90, "remaining": 510},
        "satisfaction": {
            "ratings": 1,
            "average": "4.00",
            "scale": 5,
            "by_score": [{"value": "4", "label": "4", "count": 1}],
            "comments": [{"key": "ACME-1", "title": "Prices", "score": 4, "comment": "Kind.", "rated_at": None}],
        },
        "changes": [],
        "changes_count": 0,
    }
    loaded = Snapshot.from_data(old)
    assert (loaded.version, loaded.responsiveness, loaded.backlog, loaded.reopens) == (1, None, None, None)
    assert (loaded.satisfaction.offered, loaded.satisfaction.response_rate, loaded.satisfaction.comments_count) == (
        None,
        None,
        None,
    )
    assert loaded.volume.by_solution == () and loaded.satisfaction.comments[0].scale is None
    review = ServiceReview.objects.create(
        organisation_id=contract.organisation_id, contract=contract, month=JANUARY, snapshot=old, made_at=MADE_AT
    )
    client.force_login(manager)
    response = client.get(f"/desk/reviews/{review.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kind." in page and "4/5" in page and "Incident" in page
    assert "MTTA and MTTR" not in page and "Backlog and ageing" not in page
    pdf = client.get(f"/desk/reviews/{review.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
