"""Every notice is written in the language of the person who receives it, whoever acted and in whatever
language their own request ran: the words of a title and body are chosen per recipient when the notice is
written, the data they carry (a reason, a date, a promise) read once."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from picocore.catalog.choices import Priority
from picocore.outbox.models import OutboxEmail
from picocore.tickets.choices import Status
from picocore.tickets.services import ticket_assign, ticket_change_priority, ticket_reply, ticket_transition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def mails_to(user) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(to_address=user.email).order_by("id"))


def speaks(user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def test_a_danish_requester_gets_the_receipt_in_danish_and_the_team_hears_in_english(acme, consultant):
    speaks(acme.requester, "da")
    with translation.override("da"):  # the request ran in Danish, as the requester's page does
        acme.ticket()
    (receipt,) = mails_to(acme.requester)
    assert receipt.subject == "[ACME-1] Vi har modtaget din henvendelse: Images missing"
    assert "Vi har modtaget din henvendelse ACME-1." in receipt.body_text
    assert "Hvad sker der nu: Operations ser på den og svarer dig her og på e-mail." in receipt.body_text
    assert "Your request" not in receipt.body_text and "What happens next" not in receipt.body_text
    (to_team,) = mails_to(consultant)
    assert to_team.subject == "[ACME-1] New request: Images missing"
    assert "Hello " in to_team.body_text


def test_a_receipt_logged_by_an_english_consultant_reaches_a_danish_customer_in_danish(acme, consultant):
    speaks(acme.requester, "da")
    with translation.override("en"):
        acme.ticket(by=consultant, requester=acme.requester, channel="phone")
    (receipt,) = mails_to(acme.requester)
    assert receipt.subject == "[ACME-1] Vi har modtaget din henvendelse: Images missing"
    assert "Vi har modtaget din henvendelse ACME-1." in receipt.body_text
    assert "Our promise" not in receipt.body_text and "business hours" not in receipt.body_text


def test_an_english_consultant_replying_to_a_danish_requester_writes_them_in_danish(acme, consultant):
    speaks(acme.requester, "da")
    ticket = acme.ticket()
    with translation.override("en"):
        ticket_reply(actor=consultant, ticket=ticket, body="We are on it.")
        ticket_change_priority(actor=consultant, ticket=ticket, priority=Priority.P1, reason="Shop down")
    _receipt, reply, priority = mails_to(acme.requester)
    assert reply.subject == "[ACME-1] Sv: Images missing"
    assert "We are on it." in reply.body_text and "Hej " in reply.body_text
    assert priority.subject == "[ACME-1] P2 → P1: Images missing"
    assert "Begrundelse: Shop down" in priority.body_text and "Reason:" not in priority.body_text


def test_a_danish_consultant_acting_on_an_english_customers_request_writes_them_in_english(acme, consultant):
    speaks(consultant, "da")
    speaks(acme.requester, "en")
    ticket = acme.ticket()
    with translation.override("da"):  # the consultant's desk runs in Danish
        ticket_assign(actor=consultant, ticket=ticket, team=ticket.team, assignee=consultant)
        ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
        ticket_change_priority(actor=consultant, ticket=ticket, priority=Priority.P1, reason="Butikken er nede")
    subjects = [mail.subject for mail in mails_to(acme.requester)]
    assert "[ACME-1] In progress: Images missing" in subjects
    priority = mails_to(acme.requester)[-1]
    assert priority.subject == "[ACME-1] P2 → P1: Images missing"
    assert "Reason: Butikken er nede" in priority.body_text and "Hello " in priority.body_text
    assert all("Hej " not in mail.body_text for mail in mails_to(acme.requester))


def test_the_overdue_next_step_reminder_reaches_a_danish_assignee_in_danish(acme, consultant, monkeypatch):
    from picocore.tickets.models import Ticket
    from picocore.tickets.services import ticket_set_next_step
    from picocore.tickets.services.ownership import ticket_remind_overdue_next_step

    speaks(consultant, "da")
    ticket = acme.ticket()
    ticket_assign(actor=consultant, ticket=ticket, team=ticket.team, assignee=consultant)
    ticket_set_next_step(actor=consultant, ticket=ticket, text="Re-run the import", due=dt.date(2020, 5, 4))
    Ticket.objects.filter(pk=ticket.pk).update(next_step_due=dt.date(2020, 5, 4))
    with translation.override("en"):  # the sweep runs in the installation's language
        assert ticket_remind_overdue_next_step(ticket_id=ticket.pk)
    reminder = mails_to(consultant)[-1]
    assert reminder.subject == "[ACME-1] Næste skridt forsinket siden man. 4. maj: Images missing"
    assert "Kunden fik at vide: “Re-run the import”. Angiv et nyt næste skridt" in reminder.body_text
