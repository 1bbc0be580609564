"""The demo's three months of history: what the hour bank, the reports and the ratings show on `make run`.

Loaded on a fixed day (Wednesday 9 December 2026, Copenhagen), so every figure below is counted by hand from the
stories in `picocore.demo.history`: September, October and November are the history, closed on 3 December.
"""

import datetime as dt
import zoneinfo

import pytest
from django.db.models import Count

from picocore.demo.data import load_demo
from picocore.hours import selectors as hours
from picocore.hours.models import LedgerAdjustment, LedgerMonth, TimeEntry
from picocore.notifications.models import Notification, NotificationKind
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.satisfaction.models import Rating
from picocore.tenancy.models import Organisation
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
TODAY = dt.datetime(2026, 12, 9, 10, 0, tzinfo=CPH)
SEP, OCT, NOV, DEC = (dt.date(2026, m, 1) for m in (9, 10, 11, 12))


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: TODAY.astimezone(dt.UTC))
    load_demo()


def contract(slug: str):
    return Organisation.objects.get(slug=slug).contracts.get()


def history(prefix: str):
    return Ticket.objects.filter(organisation__key_prefix=prefix, created_at__lt=dt.datetime(2026, 12, 1, tzinfo=CPH))


def test_the_history_is_fifteen_finished_requests_after_the_current_ones(demo):
    assert {p: history(p).count() for p in ("ACME", "NORD", "BOLT")} == {"ACME": 9, "NORD": 3, "BOLT": 3}
    # The walkthrough's current requests keep their keys; the history's follow them in the order they came in.
    assert list(history("ACME").order_by("created_at").values_list("key", flat=True)) == [
        f"ACME-{n}" for n in range(5, 14)
    ]
    assert set(Ticket.objects.filter(key__in=[f"ACME-{n}" for n in range(1, 5)]).values_list("created_at__date",
                                                                                             flat=True)) == {
        TODAY.astimezone(dt.UTC).date()}  # fmt: skip
    finished = Ticket.objects.filter(created_at__lt=dt.datetime(2026, 12, 1, tzinfo=CPH))
    assert set(finished.values_list("status", flat=True)) == {Status.CLOSED}
    assert finished.earliest("created_at").created_at == dt.datetime(2026, 9, 3, 9, 15, tzinfo=CPH)
    # Each was answered by the team before it was resolved; two were reopened by the customer and resolved again.
    for ticket in finished:
        events = list(ticket.events.order_by("pk"))  # written in the order they happened
        replies = [e for e in events if e.kind == EventKind.PUBLIC_REPLY and e.actor.is_service_staff]
        resolutions = [e for e in events if e.kind == EventKind.STATUS_CHANGED and e.data["after"] == Status.RESOLVED]
        assert replies and resolutions and replies[0].created_at < resolutions[0].created_at, ticket.key
        by_people = [e for e in events if e.actor_id is not None]  # (an SLA breach is stamped with its moment)
        assert by_people == sorted(by_people, key=lambda e: e.created_at), ticket.key
    reopened = TicketEvent.objects.filter(kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED).values(
        "ticket__key").annotate(n=Count("id")).filter(n=2)  # fmt: skip
    assert sorted(r["ticket__key"] for r in reopened) == ["ACME-8", "NORD-4"]
    automatic = TicketEvent.objects.filter(kind=EventKind.STATUS_CHANGED, data__after=Status.CLOSED,
                                           data__automatic=True)  # fmt: skip
    assert sorted(automatic.values_list("ticket__key", flat=True)) == ["ACME-7", "BOLT-3"]


def test_the_hour_bank_has_three_closed_months_carry_over_an_adjustment_and_a_current_month(demo):
    acme, nordic = contract("acme-foods"), contract("nordic-fashion")
    assert acme.starts_on == SEP and acme.hour_terms.included_minutes == 1800
    # September: 855 min on three requests; 945 left, 600 carried on (the cap).
    # October: 600 carried in; 60 min out of hours at ×1.5 (90), 90 min on a Saturday at ×2 (180), 120 min of our
    # own defect not charged, 150 on guidance, 20 min rounded up to 30: 450 used.
    # November: 615 used, 60 added by the goodwill adjustment.
    expected = {SEP: (1800, 0, 0, 855, 945), OCT: (1800, 600, 0, 450, 1950), NOV: (1800, 600, 60, 615, 1845)}
    for month, figures in expected.items():
        bank = hours.bank_month(acme, month)
        assert (bank.included, bank.carried_in, bank.added, bank.used, bank.remaining) == figures, month
        closed = LedgerMonth.objects.get(contract=acme, month=month)
        assert closed.closed_at == dt.datetime(month.year, month.month + 1, 3, 6, tzinfo=CPH)
        assert closed.closed_by is None  # the scheduled closing
        assert closed.closing == hours.figures_as_data(bank)
    december = hours.bank_month(acme, DEC)
    assert (december.carried_in, december.used) == (600, 45 + 30)  # ACME-4 and ACME-2, logged today
    assert not LedgerMonth.objects.filter(month=DEC, closed_at__isnull=False).exists()
    # Nordic: 180, then 300 (60 of them after 16:00 at ×1.5: 150 + 150), then 150 and a 45-minute charge.
    nordic_expected = {SEP: (0, 180, 420), OCT: (300, 300, 600), NOV: (300, 195, 705)}
    for month, (carried_in, used, remaining) in nordic_expected.items():
        bank = hours.bank_month(nordic, month)
        assert (bank.carried_in, bank.used, bank.remaining) == (carried_in, used, remaining), month
    assert sorted(LedgerAdjustment.objects.values_list("contract__organisation__slug", "month", "minutes")) == [
        ("acme-foods", NOV, 60), ("nordic-fashion", NOV, -45)]  # fmt: skip
    saturday = TimeEntry.objects.get(work_date__week_day=7)
    assert (saturday.author.email, saturday.minutes, saturday.debited_minutes) == ("manager@picocore.example", 90,
                                                                                   180)  # fmt: skip
    assert list(TimeEntry.objects.filter(billable=False).values_list("non_billable_reason", flat=True)) == [
        "our_defect"]  # fmt: skip
    assert set(TimeEntry.objects.values_list("author__email", flat=True)) == {
        "consultant@picocore.example", "manager@picocore.example"}  # fmt: skip
    # Bolt's Essential contract includes no hours: its time is counted, not banked.
    assert hours.bank_month(contract("bolt-hardware"), NOV).included == 0
    assert TimeEntry.objects.filter(organisation__slug="bolt-hardware").count() == 3


def test_ratings_have_comments_one_low_score_and_bolts_three_point_scale(demo):
    assert Rating.objects.count() == 11
    assert Rating.objects.exclude(comment="").count() == 7
    assert list(Rating.objects.filter(organisation__slug="bolt-hardware").values_list("score", "scale")) == [
        (3, 3), (3, 3)]  # fmt: skip
    low = Rating.objects.get(score__lte=2)
    assert (low.ticket.key, low.score, low.requester.email) == ("ACME-8", 2, "anna@acme.example")
    assert low.resolution == low.ticket.events.filter(kind=EventKind.STATUS_CHANGED,
                                                      data__after=Status.RESOLVED).latest("pk")  # fmt: skip
    follow_up = Notification.objects.get(kind=NotificationKind.LOW_RATING)
    assert (follow_up.user.email, follow_up.ticket.key) == ("manager@picocore.example", "ACME-8")
    for rating in Rating.objects.select_related("resolution"):
        assert rating.resolution.created_at < rating.created_at < rating.resolution.created_at + dt.timedelta(days=7)


def test_the_historys_mail_counts_as_sent_and_its_notifications_as_read_then(demo):
    old = OutboxEmail.objects.filter(created_at__lt=dt.datetime(2026, 12, 1, tzinfo=CPH))
    assert old.count() > 30
    assert set(old.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert (
        OutboxEmail.objects.filter(status=OutboxStatus.PENDING)
        .exclude(created_at__lt=dt.datetime(2026, 12, 1, tzinfo=CPH))
        .exists()
    )  # today's mail is still to be sent
    received = Notification.objects.filter(ticket__key="ACME-5", kind=NotificationKind.RECEIVED)
    assert received.exists() and all(n.created_at.date() == dt.date(2026, 9, 3) for n in received)
    history = Notification.objects.filter(created_at__lt=dt.datetime(2026, 12, 1, tzinfo=CPH))
    assert history.count() > 30 and not history.filter(read_at=None).exists()  # read in their time
    assert Notification.objects.filter(read_at=None, ticket__key="ACME-1").exists()  # today's are news


def test_acmes_customer_admin_sees_the_bank_and_its_history(client, demo):
    from picocore.tenancy.models import User

    client.force_login(User.objects.get(email="admin@acme.example"))
    page = client.get("/portal/hours/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "ACME-4" in html and "Nightly price export to the webshop is late" in html
    for month in ("2026-09", "2026-10", "2026-11"):
        assert f'href="?month={month}"' in html
    october = client.get("/portal/hours/", {"month": "2026-10"}).content.decode()
    assert "This month is closed: its figures are final." in october
    assert "ACME-8" in october and "ACME-9" in october and "ACME-10" in october and "ACME-11" not in october
