"""One submission, one result: the same form posted twice (one after the other, or in parallel) creates one
ticket, one reply or one note, and the repeat lands where the first did."""

import re
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail
from picocore.tickets.choices import EventKind
from picocore.tickets.models import Submission, Ticket, TicketEvent
from picocore.tickets.services import creation
from tests.portal.support import incident_form, state

TOKEN = re.compile(r'<input type="hidden" name="submission" value="([^"]+)"')


def token_of(response) -> str:
    tokens = TOKEN.findall(response.content.decode())
    assert len(tokens) >= 1, "the form carries no submission token"
    return tokens[0]


def counts() -> dict:
    return {
        **state(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxEmail.objects.count(),
        "submissions": Submission.objects.count(),
    }


@pytest.mark.django_db
def test_the_new_request_form_posted_twice_creates_one_ticket(client, acme, operations_team):
    client.force_login(acme.requester)
    path = f"/portal/new/{acme.incident.slug}/"
    data = incident_form(acme, submission=token_of(client.get(path)))
    first = client.post(path, data)
    assert (first.status_code, first["Location"]) == (302, "/portal/requests/ACME-1/")
    after_first = counts()
    again = client.post(path, data)
    assert (again.status_code, again["Location"]) == (302, "/portal/requests/ACME-1/")
    assert counts() == after_first
    assert list(Ticket.objects.values_list("key", flat=True)) == ["ACME-1"]
    # A form shown anew is a new submission.
    other = client.post(path, incident_form(acme, submission=token_of(client.get(path))))
    assert other["Location"] == "/portal/requests/ACME-2/"


@pytest.mark.django_db
def test_a_form_shown_again_with_errors_keeps_its_token(client, acme):
    client.force_login(acme.requester)
    path = f"/portal/new/{acme.incident.slug}/"
    token = token_of(client.get(path))
    refused = client.post(path, incident_form(acme, title="", submission=token))
    assert refused.status_code == 400
    assert token_of(refused) == token
    assert client.post(path, incident_form(acme, submission=token))["Location"] == "/portal/requests/ACME-1/"
    assert client.post(path, incident_form(acme, submission=token))["Location"] == "/portal/requests/ACME-1/"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_customer_reply_posted_twice_is_one_reply(client, acme):
    acme.ticket()
    client.force_login(acme.requester)
    token = token_of(client.get("/portal/requests/ACME-1/"))
    for _ in range(2):
        response = client.post("/portal/requests/ACME-1/reply/", {"body": "Still broken.", "submission": token})
        assert response.status_code == 302
    replies = TicketEvent.objects.filter(kind=EventKind.PUBLIC_REPLY)
    assert list(replies.values_list("body", flat=True)) == ["Still broken."]


@pytest.mark.django_db
def test_the_desks_reply_note_and_phone_call_posted_twice_are_one_each(client, acme, consultant):
    acme.ticket()
    client.force_login(consultant)
    page = client.get("/desk/tickets/ACME-1/").content.decode()
    reply_token, note_token = TOKEN.findall(page)
    assert reply_token != note_token
    for _ in range(2):
        assert (
            client.post("/desk/tickets/ACME-1/reply/", {"body": "On it.", "submission": reply_token}).status_code == 302
        )
        assert (
            client.post("/desk/tickets/ACME-1/note/", {"body": "Internal.", "submission": note_token}).status_code
            == 302
        )
    kinds = list(TicketEvent.objects.order_by("pk").values_list("kind", "body"))
    assert kinds[1:] == [(EventKind.PUBLIC_REPLY, "On it."), (EventKind.INTERNAL_NOTE, "Internal.")]

    call = {
        "contact": acme.requester.memberships.get().pk,
        "request_type": acme.incident.pk,
        "title": "Shop down",
        "description": "Called at 9:02.",
        "impact": "high",
        "urgency": "high",
        "environment": acme.production.pk,
        "submission": token_of(client.get("/desk/phone/")),
    }
    locations = [client.post("/desk/phone/", call)["Location"] for _ in range(2)]
    assert locations == ["/desk/tickets/ACME-2/", "/desk/tickets/ACME-2/"]
    assert list(Ticket.objects.order_by("pk").values_list("key", flat=True)) == ["ACME-1", "ACME-2"]


@pytest.mark.django_db
def test_the_same_token_of_another_person_is_their_own_submission(client, acme):
    path = f"/portal/new/{acme.incident.slug}/"
    data = incident_form(acme, submission="same-token")
    for person in (acme.requester, acme.admin):
        client.force_login(person)
        client.post(path, data)
    assert sorted(Ticket.objects.values_list("key", "requester_id")) == [
        ("ACME-1", acme.requester.pk),
        ("ACME-2", acme.admin.pk),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_parallel_posts_of_one_form_create_one_ticket(acme, operations_team, monkeypatch):
    allocate = creation.allocate_ticket_numbers

    def slow_allocate(organisation_id):  # the first post is still inside its transaction when the second arrives
        result = allocate(organisation_id)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(creation, "allocate_ticket_numbers", slow_allocate)
    path = f"/portal/new/{acme.incident.slug}/"
    data = incident_form(acme, submission="one-showing-of-the-form")
    start = threading.Barrier(2)
    outcomes: list = []

    def post() -> None:
        try:
            client = Client()
            client.force_login(acme.requester)
            start.wait()
            response = client.post(path, data)
            outcomes.append((response.status_code, response.get("Location")))
        except BaseException as error:  # reported to the main thread below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [(302, "/portal/requests/ACME-1/")] * 2
    assert list(Ticket.objects.values_list("key", flat=True)) == ["ACME-1"]
    assert TicketEvent.objects.count() == 1
    assert Submission.objects.count() == 1
    acme.organisation.refresh_from_db()
    assert acme.organisation.last_ticket_number == 1
