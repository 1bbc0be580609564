"""Logging time and keeping the bank: debits, the frozen month, the edit window, warnings once, who may."""

import datetime as dt

import pytest

from picocore.audit.models import AuditEntry
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.hours import selectors, services
from picocore.hours.models import LedgerMonth, TimeEntry
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def log(actor, ticket, minutes, day, **extra):
    return services.time_log(actor=actor, ticket=ticket, minutes=minutes, work_date=day, **extra)


def test_the_worked_example_through_the_services(acme, consultant, contract, clock):
    ticket = acme.ticket()
    clock.set(dt.datetime(2027, 1, 12, 17, 0, tzinfo=CPH))
    log(consultant, ticket, 360, dt.date(2027, 1, 12))
    clock.set(dt.datetime(2027, 3, 10, 9, 0, tzinfo=CPH))
    january, february, march = selectors.bank_months(contract, dt.date(2027, 3, 1))
    assert (january.used, january.remaining) == (360, 240)
    assert february.available == 14 * 60
    assert march.available == 15 * 60


def test_a_saturday_hour_debits_ninety_minutes(acme, consultant, contract, clock):
    saturday = dt.datetime(2027, 1, 9, 10, 0, tzinfo=CPH)
    entry = services.time_log(actor=consultant, ticket=acme.ticket(), minutes=60, started_at=saturday)
    assert (entry.work_date, entry.debited_minutes) == (dt.date(2027, 1, 9), 90)
    assert entry.debit["parts"] == [{"kind": "weekend", "seconds": 3600, "rate": "1.50"}]
    assert selectors.bank_month(contract, dt.date(2027, 1, 1)).used == 90


def test_a_holiday_from_the_calendar_doubles_and_rounding_applies_first(acme, consultant, contract, clock):
    clock.set(dt.datetime(2027, 4, 1, 9, 0, tzinfo=CPH))
    easter_monday = dt.date(2027, 3, 29)  # a Danish public holiday
    entry = log(consultant, acme.ticket(), 20, easter_monday)
    assert (entry.debit["rounded"], entry.debited_minutes) == (30, 60)


def test_time_that_is_not_billable_needs_a_reason_and_debits_nothing(acme, consultant, contract):
    ticket = acme.ticket()
    with pytest.raises(ValidationError) as refused:
        log(consultant, ticket, 30, dt.date(2027, 1, 11), billable=False)
    assert "non_billable_reason" in refused.value.field_errors
    entry = log(consultant, ticket, 30, dt.date(2027, 1, 11), billable=False, non_billable_reason="our_defect")
    assert entry.debited_minutes == 0
    assert selectors.bank_month(contract, dt.date(2027, 1, 1)).used == 0


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, "30", True])
def test_bad_minutes_change_nothing(acme, consultant, contract, minutes):
    ticket = acme.ticket()
    with pytest.raises(ValidationError):
        log(consultant, ticket, minutes, dt.date(2027, 1, 11))
    assert not TimeEntry.objects.exists()


def test_a_day_to_come_is_refused(acme, consultant, contract):
    with pytest.raises(ValidationError):
        log(consultant, acme.ticket(), 30, dt.date(2027, 1, 12))


def test_text_from_outside_is_cleaned_to_fit(acme, consultant, contract):
    entry = log(consultant, acme.ticket(), 30, dt.date(2027, 1, 11), description="Fixed\x00 the\nimport " + "x" * 300)
    entry.refresh_from_db()
    assert "\x00" not in entry.description and "\n" not in entry.description
    assert len(entry.description) == 200


def test_a_closed_month_is_frozen_and_corrections_go_into_an_open_one(acme, consultant, manager, contract, clock):
    ticket = acme.ticket()
    clock.set(dt.datetime(2027, 1, 25, 9, 0, tzinfo=CPH))
    log(consultant, ticket, 120, dt.date(2027, 1, 20))
    clock.set(dt.datetime(2027, 2, 5, 9, 0, tzinfo=CPH))
    with pytest.raises(PermissionDenied):
        services.ledger_close(actor=consultant, contract=contract, through=dt.date(2027, 1, 1))
    with pytest.raises(ValidationError):
        services.ledger_close(actor=manager, contract=contract, through=dt.date(2027, 2, 1))  # not ended yet
    closed = services.ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 1))
    assert [row.month for row in closed] == [dt.date(2027, 1, 1)]
    assert services.ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 1)) == []
    with pytest.raises(ValidationError, match="closed"):
        log(consultant, ticket, 30, dt.date(2027, 1, 31))
    with pytest.raises(ValidationError, match="closed"):
        services.ledger_adjust(actor=manager, contract=contract, month=dt.date(2027, 1, 1), minutes=-30,
                               reason="Forgotten call")  # fmt: skip
    services.ledger_adjust(actor=manager, contract=contract, month=dt.date(2027, 2, 1), minutes=-30,
                           reason="Forgotten call on 31 January")  # fmt: skip
    january, february = selectors.bank_months(contract, dt.date(2027, 2, 1))
    assert january.used == 120 and february.used == 30
    assert february.carried_in == 300  # from the figures January closed with
    assert LedgerMonth.objects.get(contract=contract, month=dt.date(2027, 1, 1)).closing["used"] == 120


def test_closing_freezes_the_figures_even_if_the_terms_change_later(acme, consultant, manager, contract, clock):
    log(consultant, acme.ticket(), 60, dt.date(2027, 1, 8))
    clock.set(dt.datetime(2027, 2, 5, 9, 0, tzinfo=CPH))
    services.ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 1))
    contract.hour_terms.included_minutes = 6000
    contract.hour_terms.save()
    january = selectors.bank_month(contract, dt.date(2027, 1, 1))
    assert january.available == 600


def test_adjustments_need_a_manager_a_reason_and_minutes(acme, consultant, manager, contract):
    with pytest.raises(PermissionDenied):
        services.ledger_adjust(actor=consultant, contract=contract, month=dt.date(2027, 1, 1), minutes=60, reason="x")
    for minutes, reason in ((0, "Goodwill"), (60, "  "), (60, "\x00")):
        with pytest.raises(ValidationError):
            services.ledger_adjust(actor=manager, contract=contract, month=dt.date(2027, 1, 1), minutes=minutes,
                                   reason=reason)  # fmt: skip
    services.ledger_adjust(actor=manager, contract=contract, month=dt.date(2027, 1, 15), minutes=60, reason="Goodwill")
    assert selectors.bank_month(contract, dt.date(2027, 1, 1)).available == 660


def test_the_author_edits_within_the_window_then_only_an_adjustment_corrects(acme, consultant, contract, clock):
    entry = log(consultant, acme.ticket(), 30, dt.date(2027, 1, 11))
    other = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    acme.organisation.teams.first().members.add(other)
    with pytest.raises(PermissionDenied):
        services.time_entry_change(actor=other, entry=entry, minutes=45)
    changed = services.time_entry_change(actor=consultant, entry=entry, minutes=50, description="Re-indexed")
    assert (changed.minutes, changed.debited_minutes) == (50, 60)
    entries = AuditEntry.objects.filter(object_id=str(entry.pk), content_type__model="timeentry")
    assert [e.action for e in entries.order_by("id")] == ["created", "changed"]
    assert entries.order_by("id").last().changes["minutes"] == {"before": 30, "after": 50}
    clock.advance(hours=49)
    with pytest.raises(PermissionDenied, match="adjustment"):
        services.time_entry_change(actor=consultant, entry=entry, minutes=40)
    with pytest.raises(ValidationError):
        services.time_entry_change(actor=consultant, entry=entry, author=other)


def test_warnings_go_out_once_each_at_80_and_100_percent(acme, consultant, manager, contract):
    ticket = acme.ticket()
    day = dt.date(2027, 1, 11)
    log(consultant, ticket, 450, day)  # 75 %
    assert not OutboxEmail.objects.filter(kind="hour_bank_warning").exists()
    log(consultant, ticket, 45, day)  # 82.5 %
    warned = OutboxEmail.objects.filter(kind="hour_bank_warning")
    assert sorted(warned.values_list("to_address", flat=True)) == sorted([acme.admin.email, manager.email])
    assert "80" in warned.first().subject
    log(consultant, ticket, 15, day)  # 85 %: nothing new
    assert warned.count() == 2
    log(consultant, ticket, 120, day)  # 105 %
    assert warned.count() == 4
    assert warned.filter(subject__contains="100").count() == 2
    log(consultant, ticket, 15, day)
    assert warned.count() == 4


def test_a_jump_past_both_lines_sends_only_the_higher_warning(acme, consultant, manager, contract):
    log(consultant, acme.ticket(), 630, dt.date(2027, 1, 11))
    subjects = list(OutboxEmail.objects.filter(kind="hour_bank_warning").values_list("subject", flat=True))
    assert len(subjects) == 2 and all("100" in subject for subject in subjects)


def test_a_warning_rolls_back_with_the_entry_that_crossed(acme, consultant, manager, contract, monkeypatch):
    from picocore.hours import warnings

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(warnings, "outbox_emails_add", broken)
    with pytest.raises(RuntimeError):
        log(consultant, acme.ticket(), 540, dt.date(2027, 1, 11))
    assert not TimeEntry.objects.exists()
    assert not LedgerMonth.objects.filter(warned_80_at__isnull=False).exists()


def test_people_outside_the_service_team_may_not_log(acme, nord, consultant, contract):
    ticket = acme.ticket()
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)  # serves no customer
    for actor in (outsider, nord.admin, nord.requester):
        with pytest.raises(NotFound):
            log(actor, ticket, 30, dt.date(2027, 1, 11))
    for actor in (acme.requester, acme.admin):
        with pytest.raises((NotFound, PermissionDenied)):
            log(actor, ticket, 30, dt.date(2027, 1, 11))
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    with pytest.raises(NotFound):
        log(developer, ticket, 30, dt.date(2027, 1, 11))
    assert not TimeEntry.objects.exists()


def test_developers_log_against_their_development_item_on_the_same_ticket(acme, consultant, contract):
    from picocore.catalog.choices import TicketType
    from picocore.development.services import development_hand_off
    from picocore.tenancy.choices import TeamKind

    change = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST, name="Change")
    contract.tier.request_types.add(change)
    ticket = acme.ticket(request_type=change)
    team = factories.TeamFactory(kind=TeamKind.DEVELOPMENT, organisations=[acme.organisation])
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    team.members.add(developer)
    item = development_hand_off(actor=consultant, ticket=ticket, team=team, brief="Build the export")
    entry = log(developer, ticket, 90, dt.date(2027, 1, 11), development_item=item)
    assert entry.development_item == item and entry.debited_minutes == 90
    stranger = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    with pytest.raises(PermissionDenied):
        log(stranger, ticket, 30, dt.date(2027, 1, 11), development_item=item)
    other_ticket = acme.ticket()
    with pytest.raises((NotFound, PermissionDenied)):
        log(developer, other_ticket, 30, dt.date(2027, 1, 11), development_item=item)


def test_months_close_by_themselves_on_the_contracts_closing_day(acme, consultant, contract, clock):
    from picocore.hours.tasks import close_due_months

    log(consultant, acme.ticket(), 60, dt.date(2027, 1, 11))
    clock.set(dt.datetime(2027, 2, 2, 23, 30, tzinfo=CPH))  # the 2nd: late entries for January still welcome
    assert close_due_months() == 0
    log(consultant, acme.ticket(), 30, dt.date(2027, 1, 29))
    clock.set(dt.datetime(2027, 2, 3, 0, 30, tzinfo=CPH))  # the 3rd in Copenhagen, still the 2nd in UTC
    assert close_due_months() == 1
    assert close_due_months() == 0
    january = LedgerMonth.objects.get(contract=contract, month=dt.date(2027, 1, 1))
    assert january.closed_by is None and january.closing["used"] == 90
