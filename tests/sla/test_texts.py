"""What the customer and the desk read about the SLA: every line names its metric, lateness is told in the
clock's own time, a missed deadline stays the one shown, a request finished without an answer is not said to
be answered, and moments are in the reader's time zone.

Three time zones differ here on purpose: the moments are written in Tokyo time, the installation (the desk's
default) runs in Santiago (tests/settings.py), and the customer is in Copenhagen."""

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from picocore.tickets.choices import Status
from picocore.tickets.services import ticket_reply, ticket_transition

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


MONDAY_9_CPH = tokyo(23, 17)  # Monday 23 November 09:00 in Copenhagen, 08:00 UTC, 05:00 in Santiago


def promise(client, customer, ticket) -> list[tuple[str, str]]:
    client.force_login(customer.requester)
    response = client.get(reverse("portal:request", args=[ticket.key]))
    assert response.status_code == 200
    return [(line.text, line.state) for line in response.context["sla_lines"]]


def terms(customer, target: str, priority: int = 2) -> str:
    return f"within {target}, P{priority}, {customer.organisation.contracts.get().tier.name}"


def test_every_promise_line_names_its_metric(client, sla_customer, clock):
    clock.set(MONDAY_9_CPH)
    ticket = sla_customer.ticket()
    assert promise(client, sla_customer, ticket) == [
        (f"First response: we will respond by Mon 23 Nov, 11:00 ({terms(sla_customer, '2 business hours')}).",
         "running"),
        (f"Resolution: our target for resolving it is Wed 25 Nov, 09:00 "
         f"({terms(sla_customer, '16 business hours')}).", "running"),
    ]  # fmt: skip


def test_a_late_answer_is_late_by_business_time(client, sla_customer, consultant, clock):
    clock.set(tokyo(23, 22))  # Monday 14:00 in Copenhagen: first response due at 16:00, closing time
    ticket = sla_customer.ticket()
    clock.set(tokyo(24, 16, 30))  # Tuesday 08:30 in Copenhagen: 16½ hours later, half an hour of business time
    ticket_reply(actor=consultant, ticket=ticket, body="Sorry for the wait.")
    first = promise(client, sla_customer, ticket)[0]
    assert first == (
        "First response: we responded Tue 24 Nov, 08:30, 30 min of business time later than promised "
        f"(due Mon 23 Nov, 16:00; {terms(sla_customer, '2 business hours')}).",
        "missed",
    )


def test_after_a_breach_a_pause_and_a_resume_the_missed_deadline_is_shown(client, sla_customer, consultant, clock):
    clock.set(MONDAY_9_CPH)
    ticket = sla_customer.ticket()
    clock.set(tokyo(23, 18))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    clock.set(tokyo(23, 19, 20))  # 11:20 in Copenhagen: first response missed at 11:00
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER)
    assert promise(client, sla_customer, ticket)[0] == (
        "First response: we promised to respond by 11:00 and have not yet; paused while we wait for you since "
        f"Mon 23 Nov, 11:20 ({terms(sla_customer, '2 business hours')}).",
        "paused",
    )
    clock.set(tokyo(23, 21))  # 13:00 in Copenhagen: the customer answers, the clocks run again
    ticket_reply(actor=sla_customer.requester, ticket=ticket, body="Here is the log.")
    assert promise(client, sla_customer, ticket)[0] == (
        "First response: we promised to respond by 11:00 and have not yet; we are on it "
        f"({terms(sla_customer, '2 business hours')}).",
        "overdue",
    )


def test_a_request_cancelled_before_any_answer_was_not_answered_in_time(client, sla_customer, consultant, clock):
    clock.set(MONDAY_9_CPH)
    ticket = sla_customer.ticket()
    clock.set(tokyo(23, 17, 30))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.CANCELLED, note="")
    assert promise(client, sla_customer, ticket) == [
        (f"First response: not needed — the request was cancelled Mon 23 Nov, 09:30 "
         f"({terms(sla_customer, '2 business hours')}).", "ended"),
        (f"Resolution: not needed — the request was cancelled Mon 23 Nov, 09:30 "
         f"({terms(sla_customer, '16 business hours')}).", "ended"),
    ]  # fmt: skip


def desk_page(client, consultant, ticket) -> str:
    client.force_login(consultant)
    response = client.get(reverse("desk:ticket", args=[ticket.key]))
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", response.content.decode())  # the words as read, without the markup
    return html.unescape(re.sub(r"\s+", " ", text))


def test_the_desk_timeline_shows_sla_records_in_the_viewers_time_zone(client, sla_customer, consultant, clock):
    from picocore.sla.sweep import sla_sweep

    clock.set(MONDAY_9_CPH)
    ticket = sla_customer.ticket()
    assert sla_sweep(tokyo(23, 19, 1)) == (1, 1)  # 11:01 in Copenhagen
    page = desk_page(client, consultant, ticket)
    # Recorded at 10:30 and 11:00 in Copenhagen; the desk reads in the installation's time zone (Santiago).
    assert "First response due Mon 23 Nov 2026, 07:00" in page
    assert "First response target missed at Mon 23 Nov 2026, 07:00" in page
    assert "UTC" not in page


def test_the_desk_explanation_is_in_the_customers_time_zone_and_says_so(client, sla_customer, consultant, clock):
    clock.set(MONDAY_9_CPH)
    ticket = sla_customer.ticket()
    page = desk_page(client, consultant, ticket)
    assert "Times in Europe/Copenhagen, the customer's time zone." in page
    assert "0 min counted, 2 h left in business hours → due Mon 23 Nov, 11:00." in page


def test_the_customer_page_admits_a_breached_promise(client, sla_customer, clock):
    from picocore.sla.sweep import sla_sweep

    clock.set(MONDAY_9_CPH)
    ticket = sla_customer.ticket()
    sla_sweep(tokyo(23, 19, 1))  # 11:01 in Copenhagen: the first response is breached
    clock.set(tokyo(23, 19, 5))
    client.force_login(sla_customer.requester)
    response = client.get(reverse("portal:request", args=[ticket.key]))
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode())))
    assert (
        "First response: we promised to respond by 11:00 and have not yet; we are on it "
        f"({terms(sla_customer, '2 business hours')})."
    ) in text
    assert "we will respond by" not in text
