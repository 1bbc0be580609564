"""Time logged in the same action as a public reply or an internal note on the desk's ticket page: one
transaction, one entry per submission, and a reply refused without time when the contract's tier needs it."""

import datetime as dt

import pytest

from picocore.hours.models import LedgerMonth, TimeEntry
from picocore.hours.services import ledger_close
from picocore.tenancy.choices import StaffRole
from picocore.tickets.choices import EventKind
from picocore.tickets.models import TicketEvent
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def reply_url(ticket, kind: str = "reply") -> str:
    return f"/desk/tickets/{ticket.key}/{kind}/"


def message(**overrides) -> dict[str, str]:
    data = {"body": "Re-indexed the catalogue.\nIt should show the images again.", "time_spent": "1:30",
            "time_date": "2027-01-11", "time_billing": "", "time_description": "", "submission": ""}  # fmt: skip
    data.update(overrides)
    return data


def messages_on(ticket) -> int:
    return TicketEvent.objects.filter(
        ticket=ticket, kind__in=[EventKind.PUBLIC_REPLY, EventKind.INTERNAL_NOTE, EventKind.ATTACHMENT_ADDED]
    ).count()


def test_a_reply_with_time_logs_it_against_the_reply_and_the_balance_drops(client, acme, consultant, contract):
    ticket = acme.ticket()
    client.force_login(consultant)
    page = client.get(f"/desk/tickets/{ticket.key}/").content.decode()
    assert 'name="time_spent"' in page and 'id="reply-time-balance"' in page
    assert "10 h of 10 h left" in page
    done = client.post(reply_url(ticket), message(), follow=True)
    assert done.status_code == 200
    body = done.content.decode()
    assert "Reply sent to the customer. 1.5 h logged." in body
    assert "8.5 h of 10 h left" in body
    reply = TicketEvent.objects.get(ticket=ticket, kind=EventKind.PUBLIC_REPLY)
    entry = TimeEntry.objects.get()
    assert (entry.ticket, entry.event, entry.author, entry.minutes, entry.debited_minutes) == (
        ticket, reply, consultant, 90, 90,
    )  # fmt: skip
    assert (entry.work_date, entry.billable, entry.description) == (
        dt.date(2027, 1, 11), True, "Re-indexed the catalogue.",
    )  # fmt: skip


def test_a_note_logs_non_billable_time_with_its_reason_and_description(client, acme, consultant, contract):
    ticket = acme.ticket()
    client.force_login(consultant)
    response = client.post(
        reply_url(ticket, "note"),
        message(time_spent="45", time_billing="our_defect", time_description="Fixed our own import bug"),
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.billable, entry.non_billable_reason, entry.debited_minutes) == (
        45, False, "our_defect", 0,
    )  # fmt: skip
    assert entry.description == "Fixed our own import bug"
    assert entry.event.kind == EventKind.INTERNAL_NOTE


def test_without_time_a_reply_logs_none_and_a_day_left_empty_is_today(client, acme, consultant, contract, clock):
    ticket = acme.ticket()
    client.force_login(consultant)
    assert client.post(reply_url(ticket), message(time_spent="")).status_code == 302
    assert not TimeEntry.objects.exists()
    clock.set(dt.datetime(2027, 1, 12, 8, 0, tzinfo=CPH))
    client.force_login(consultant)  # a staff session idles out over a night
    assert client.post(reply_url(ticket), message(time_spent="20", time_date="", body="")).status_code == 400
    assert client.post(reply_url(ticket), message(time_spent="20", time_date="", body="Done.")).status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.work_date, entry.description) == (dt.date(2027, 1, 12), "Done.")


def test_the_same_post_sent_twice_makes_one_reply_and_one_entry(client, acme, consultant, contract):
    ticket = acme.ticket()
    client.force_login(consultant)
    before = messages_on(ticket)
    first = client.post(reply_url(ticket), message(submission="same-form-1"))
    again = client.post(reply_url(ticket), message(submission="same-form-1"))
    assert first.status_code == again.status_code == 302
    assert messages_on(ticket) == before + 1
    assert TimeEntry.objects.count() == 1
    # Another showing of the form (another token) is another reply with its own time.
    client.post(reply_url(ticket), message(submission="same-form-2", time_spent="15"))
    assert messages_on(ticket) == before + 2
    assert sorted(TimeEntry.objects.values_list("minutes", flat=True)) == [15, 90]


def test_a_tier_that_needs_time_refuses_a_reply_without_it_and_saves_nothing(client, acme, consultant, contract):
    contract.tier.time_required_on_reply = True
    contract.tier.save()
    ticket = acme.ticket()
    client.force_login(consultant)
    page = client.get(f"/desk/tickets/{ticket.key}/").content.decode()
    assert "this contract needs it with every public reply" in page
    before = messages_on(ticket)
    refused = client.post(reply_url(ticket), message(time_spent="", body="Fixed it."))
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "needs the time spent with every public reply" in text
    assert "Fixed it." in text  # the draft is kept
    assert messages_on(ticket) == before and not TimeEntry.objects.exists()
    # A note needs no time; a reply with time goes through.
    assert client.post(reply_url(ticket, "note"), message(time_spent="", body="Looked at it")).status_code == 302
    assert client.post(reply_url(ticket), message(time_spent="30")).status_code == 302
    assert messages_on(ticket) == before + 2
    assert TimeEntry.objects.get().minutes == 30


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"time_spent": "-5"}, "minutes (90) or hours and minutes (1:30)"),
        ({"time_spent": "0"}, "between 1 minute and 24 hours"),
        ({"time_spent": "0:00"}, "between 1 minute and 24 hours"),
        ({"time_spent": "1441"}, "between 1 minute and 24 hours"),
        ({"time_spent": "25:00"}, "between 1 minute and 24 hours"),
        ({"time_spent": "1:75"}, "minutes (90) or hours and minutes (1:30)"),
        ({"time_spent": "an hour"}, "minutes (90) or hours and minutes (1:30)"),
        ({"time_spent": "9" * 20}, "at most 8 characters"),
        ({"time_spent": "9\x00"}, "Null characters are not allowed"),
        ({"time_date": "2027-02-30"}, "Enter a valid date"),
        ({"time_date": "2027-01-12"}, "a day that has not come yet"),
        ({"time_billing": "invented"}, "Select a valid choice"),
        ({"time_description": "x" * 201}, "at most 200 characters"),
        ({"time_description": "ok\x00"}, "Null characters are not allowed"),
        ({"time_description": "two\nlines"}, "Keep this on one line"),
    ],
)
def test_bad_time_is_said_so_and_neither_message_nor_time_is_saved(client, acme, consultant, contract, overrides,
                                                                    said):  # fmt: skip
    ticket = acme.ticket()
    client.force_login(consultant)
    before = messages_on(ticket)
    for kind in ("reply", "note"):
        response = client.post(reply_url(ticket, kind), message(**overrides))
        assert response.status_code == 400, kind
        assert said in response.content.decode()
        assert "Re-indexed the catalogue." in response.content.decode()  # the draft is kept
    assert messages_on(ticket) == before
    assert not TimeEntry.objects.exists()


def test_time_for_a_closed_month_is_refused_with_the_reply(client, acme, consultant, manager, contract, clock):
    ticket = acme.ticket()
    clock.set(dt.datetime(2027, 2, 10, 9, 0, tzinfo=CPH))
    ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 31))
    assert LedgerMonth.objects.get(month=dt.date(2027, 1, 1)).closed_at is not None
    client.force_login(consultant)
    before = messages_on(ticket)
    response = client.post(reply_url(ticket), message(time_date="2027-01-29"))
    assert response.status_code == 400
    assert "2027-01 is closed: record the time as an adjustment in an open month." in response.content.decode()
    assert messages_on(ticket) == before and not TimeEntry.objects.exists()
    assert client.post(reply_url(ticket), message(time_date="2027-02-10")).status_code == 302
    assert TimeEntry.objects.get().month == dt.date(2027, 2, 1)


def test_people_who_do_not_work_the_ticket_log_nothing_with_a_message(client, acme, nord, contract):
    ticket = acme.ticket()
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    before = messages_on(ticket)
    for person in (outsider, acme.requester, acme.admin, nord.admin, factories.StaffFactory(
            staff_role=StaffRole.DEVELOPER)):  # fmt: skip
        client.force_login(person)
        for kind in ("reply", "note"):
            assert client.post(reply_url(ticket, kind), message()).status_code == 404
    assert messages_on(ticket) == before and not TimeEntry.objects.exists()
