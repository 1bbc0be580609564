"""Clocks through every lifecycle path, recomputed from the timeline by the services themselves."""

import datetime as dt

import pytest

from picocore.contracts.models import Contract, SlaMetric
from picocore.contracts.selectors import contract_in_force
from picocore.core.clock import now
from picocore.sla.models import CalendarClosedDay, SlaClock
from picocore.sla.services import explain_clocks, sla_recompute
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.queues import desk_timeline
from picocore.tickets.services import (
    ticket_add_note,
    ticket_change_priority,
    ticket_reopen,
    ticket_reply,
    ticket_transition,
)
from tests.sla.conftest import CPH, set_targets

pytestmark = pytest.mark.django_db
FIRST, UPDATE, RESOLUTION = SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_UPDATE, SlaMetric.RESOLUTION


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CPH)  # 23 Nov 2026 is a Monday


def clocks(ticket) -> dict[str, SlaClock]:
    return {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}


def test_a_new_p2_ticket_gets_its_deadlines(sla_customer, clock):
    ticket = sla_customer.ticket()  # High impact × Medium urgency → P2, Monday 09:00
    found = clocks(ticket)
    assert set(found) == {FIRST, RESOLUTION}
    assert (found[FIRST].due_at, found[FIRST].warn_at) == (at(23, 11), at(23, 10, 30))
    assert found[RESOLUTION].due_at == at(25, 9)  # 16 business hours: 7 Monday, 8 Tuesday, 1 Wednesday
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at == at(23, 11)


def test_first_reply_stops_first_response_and_starts_the_update_clock(sla_customer, consultant, clock):
    ticket = sla_customer.ticket()
    clock.set(at(23, 10))
    ticket_reply(actor=consultant, ticket=ticket, body="Looking at it.")
    found = clocks(ticket)
    assert (found[FIRST].stopped_at, found[FIRST].due_at, found[FIRST].met) == (at(23, 10), None, True)
    assert found[UPDATE].due_at == at(23, 14)
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at == at(23, 14)


def test_customer_replies_do_not_count_as_responses(sla_customer, clock):
    ticket = sla_customer.ticket()
    clock.set(at(23, 9, 30))
    ticket_reply(actor=sla_customer.requester, ticket=ticket, body="Any news?")
    assert clocks(ticket)[FIRST].stopped_at is None


def test_pause_while_waiting_on_the_customer_and_resume_without_losing_time(sla_customer, consultant, clock):
    ticket = sla_customer.ticket()
    clock.set(at(23, 10))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    clock.set(at(23, 11))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER)
    paused = clocks(ticket)[RESOLUTION]
    assert (paused.due_at, paused.paused_since, paused.is_paused) == (None, at(23, 11), True)
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at is None  # nothing is running (first response paused too)
    clock.set(at(24, 10))
    ticket_reply(actor=sla_customer.requester, ticket=ticket, body="Here is the list.")  # hands it back
    resumed = clocks(ticket)[RESOLUTION]
    assert resumed.paused_since is None
    assert resumed.due_at == at(25, 16)  # 2 h counted Monday; 14 h left from Tuesday 10:00: 6 + 8 → Wednesday 16:00


def test_resolve_stops_and_reopen_resumes(sla_customer, consultant, clock):
    ticket = sla_customer.ticket()
    clock.set(at(23, 10))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    clock.set(at(23, 12))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Fixed.")
    resolved = clocks(ticket)[RESOLUTION]
    assert (resolved.stopped_at, resolved.met, resolved.elapsed_seconds) == (at(23, 12), True, 3 * 3600)
    clock.set(at(25, 9))
    ticket_reopen(actor=sla_customer.requester, ticket=ticket, reason="Back again.")
    reopened = clocks(ticket)[RESOLUTION]
    assert (reopened.stopped_at, reopened.due_at) == (None, at(26, 14))  # 13 h left from Wednesday 09:00


def test_priority_change_mid_way_recomputes_from_the_start(sla_customer, consultant, clock):
    ticket = sla_customer.ticket()
    clock.set(at(23, 9, 30))
    ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="Checkout is down")
    found = clocks(ticket)
    assert found[FIRST].due_at == at(23, 10)  # P1: 1 business hour from creation, not from the change
    assert found[RESOLUTION].due_at == at(24, 9)  # 8 business hours: 7 on Monday, 1 on Tuesday


def test_contract_change_mid_way_applies_the_new_targets(sla_customer, clock):
    ticket = sla_customer.ticket()
    old = sla_customer.organisation.contracts.get()
    upgraded = Contract.objects.create(
        organisation=sla_customer.organisation, tier=old.tier.__class__.objects.create(name="Gold", slug="gold"),
        starts_on=dt.date(2026, 11, 23), calendar=old.calendar,
    )  # fmt: skip
    set_targets(upgraded.tier, p2_first_response=30, p2_resolution=240)
    clock.set(at(23, 9, 10))
    sla_recompute(ticket=ticket)
    found = clocks(ticket)
    assert (found[FIRST].due_at, found[RESOLUTION].due_at) == (at(23, 9, 30), at(23, 13))


def test_calendar_edit_recomputes(sla_customer, clock):
    ticket = sla_customer.ticket()
    calendar = sla_customer.organisation.contracts.get().calendar
    CalendarClosedDay.objects.create(calendar=calendar, day=dt.date(2026, 11, 24), reason="Company day")
    sla_recompute(ticket=ticket)
    assert clocks(ticket)[RESOLUTION].due_at == at(26, 9)  # Tuesday closed: Monday 7 h, Wednesday 8 h, Thursday 1 h


def test_finished_tickets_stop_every_clock(sla_customer, consultant, clock):
    ticket = sla_customer.ticket()
    clock.set(at(23, 10))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.CANCELLED)
    assert all(c.due_at is None and c.stopped_at == at(23, 10) for c in clocks(ticket).values())
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at is None


def test_no_contract_targets_means_no_clocks(acme, clock):
    assert clocks(acme.ticket()) == {}


def test_a_contracts_override_wins_over_its_tiers_target_on_every_database(sla_customer, clock):
    from picocore.contracts.models import SlaTarget

    contract = sla_customer.organisation.contracts.get()
    SlaTarget.objects.create(contract=contract, priority=2, metric=FIRST, minutes=30)
    ticket = sla_customer.ticket()  # the tier says 120 business minutes for a P2's first response
    assert (clocks(ticket)[FIRST].target_seconds, clocks(ticket)[FIRST].due_at) == (30 * 60, at(23, 9, 30))
    assert clocks(ticket)[RESOLUTION].target_seconds == 960 * 60  # not overridden: the tier's


def test_explaining_from_the_page_s_contract_and_timeline_reads_neither_again(
    sla_customer, consultant, clock, django_assert_num_queries
):
    """The desk's ticket page hands the SLA explanation the contract and the whole timeline it read itself:
    the explanation is the same as one that reads them, without the contract and clock-event queries."""
    ticket = sla_customer.ticket()
    clock.set(at(23, 10))
    ticket_add_note(actor=consultant, ticket=ticket, body="Checking the logs.")
    ticket_reply(actor=consultant, ticket=ticket, body="Looking at it.")
    clock.set(at(23, 11))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER)
    clock.set(at(24, 9))
    ticket_reply(actor=sla_customer.requester, ticket=ticket, body="Here are the logs.")
    clock.set(at(24, 13))
    ticket = Ticket.objects.select_related("organisation").get(pk=ticket.pk)
    moment = now()
    read_alone = explain_clocks(ticket, now=moment)
    contract = contract_in_force(organisation=ticket.organisation, at=moment)
    timeline = list(desk_timeline(ticket))
    # The contract's policy (targets, calendar) is kept from the first explanation: outside a request only the
    # reference token is read.
    with django_assert_num_queries(1):
        given = explain_clocks(ticket, now=moment, contract=contract, timeline=timeline)
    assert given == read_alone
    assert [c.metric for c in given.clocks] == [str(m.label) for m in (FIRST, UPDATE, RESOLUTION)]
